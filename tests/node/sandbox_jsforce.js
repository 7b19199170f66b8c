// Drive the sandbox org with jsforce, unchanged, the way an application would.
//
// Environment: SANDBOX_URL (base URL of the org), CLIENT_ID, CLIENT_SECRET, USERNAME,
// PASSWORD, REDIRECT_URI, and WEB_ACCESS_TOKEN / WEB_REFRESH_TOKEN from a web-server
// login done by the calling test. Prints one JSON document with what each step saw.
'use strict';

const jsforce = require('jsforce');

const env = process.env;
const baseUrl = env.SANDBOX_URL;

function oauth2Options() {
  return {
    loginUrl: baseUrl,
    clientId: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    redirectUri: env.REDIRECT_URI,
  };
}

async function passwordLoginSteps(result) {
  const conn = new jsforce.Connection({ loginUrl: baseUrl, oauth2: oauth2Options() });
  const userInfo = await conn.login(env.USERNAME, env.PASSWORD);
  result.login = { userId: userInfo.id, orgId: userInfo.organizationId, instanceUrl: conn.instanceUrl };

  const pages = [];
  const query = conn.query('SELECT Id, Name FROM Account ORDER BY Name', {
    autoFetch: true,
    maxFetch: 100000,
    headers: { 'Sforce-Query-Options': 'batchSize=200' },
  });
  query.on('fetch', () => pages.push(query.records.length));
  const queried = await query;
  result.query = {
    totalSize: queried.totalSize,
    done: queried.done,
    fetched: queried.records.length,
    first: queried.records[0].Name,
    last: queried.records[queried.records.length - 1].Name,
    fetches: pages.length,
  };

  const accounts = conn.sobject('Account');
  const created = await accounts.create({ Name: 'jsforce Ünïcode', Industry: 'Banking' });
  const retrieved = await accounts.retrieve(created.id);
  const updated = await accounts.update({ Id: created.id, Industry: 'Energy' });
  const afterUpdate = await accounts.retrieve(created.id);
  const destroyed = await accounts.destroy(created.id);
  let retrieveAfterDelete = null;
  try {
    await accounts.retrieve(created.id);
  } catch (error) {
    retrieveAfterDelete = error.errorCode || error.name;
  }
  result.crud = {
    created,
    retrievedName: retrieved.Name,
    retrievedType: retrieved.attributes.type,
    updated,
    industryAfterUpdate: afterUpdate.Industry,
    destroyed,
    retrieveAfterDelete,
  };

  const hello = await conn.apex.get('/hello');
  const echo = await conn.apex.post('/echo?city=M%C3%BCnchen', { greeting: 'grüß dich' });
  result.apex = { hello, echo };

  const identity = await conn.identity();
  result.identity = { username: identity.username, userId: identity.user_id };
}

async function refreshSteps(result) {
  const conn = new jsforce.Connection({
    oauth2: oauth2Options(),
    instanceUrl: baseUrl,
    accessToken: env.WEB_ACCESS_TOKEN,
    refreshToken: env.WEB_REFRESH_TOKEN,
  });
  const refreshed = [];
  conn.on('refresh', (accessToken) => refreshed.push(accessToken));

  const before = await conn.query('SELECT COUNT() FROM Account');
  const expire = await fetch(baseUrl + '/_sandbox/expire-tokens', { method: 'POST' });
  const after = await conn.query('SELECT COUNT() FROM Account');
  result.refresh = {
    countBefore: before.totalSize,
    expireStatus: expire.status,
    countAfter: after.totalSize,
    refreshes: refreshed.length,
    newTokenDiffers: refreshed.length > 0 && refreshed[0] !== env.WEB_ACCESS_TOKEN,
    tokenShape: /^00D[A-Za-z0-9]{12}!/.test(conn.accessToken),
  };
}

async function main() {
  const result = {};
  await passwordLoginSteps(result);
  await refreshSteps(result);
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
