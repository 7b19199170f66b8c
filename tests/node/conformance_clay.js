// Drive clay-model 0.0.9 against the proxy through a connector with the proxy-era wire contract.
// Environment: PROXY_URL (the proxy's API_PREFIX base, e.g. http://127.0.0.1:5000/api),
// COOKIE (the session cookie as the browser stores it), ORIGIN (the app's origin), NAME.
// Prints one JSON document of observations for the Python test to check.
//
// The Salesforce connector of that era (clay-model-salesforce-api 0.0.x) is not on npm. This
// connector sends exactly what that one sent through superagent in a browser. The SOQL goes into
// the URL unencoded and every request carries login_server. Create reads body.Id, update is a PUT
// of the changed fields only, and destroy is a PUT without a body. The browser added the cookie
// and the Origin header; fetch here gets them explicitly.
'use strict';

const Model = require('clay-model');

const LOGIN_SERVER = 'login.salesforce.com';
const sent = [];

// clay-model calls .fail() on the connector's promises, a method of kew promises.
class KewPromise extends Promise {
  fail(onRejected) {
    return this.catch(onRejected);
  }
}

async function request(method, path, body) {
  const url = Ajax.host + path + (path.includes('?') ? '&' : '?') + 'login_server=' + LOGIN_SERVER;
  const headers = { Cookie: process.env.COOKIE, Origin: process.env.ORIGIN };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  sent.push({ method, url, body: init.body === undefined ? null : init.body });

  const response = await fetch(url, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status >= 400) {
    throw { status: response.status, body: parsed };
  }
  return parsed;
}

function settle(promise) {
  return new KewPromise((resolve, reject) => promise.then(resolve, reject));
}

function changedFields(record, Class) {
  const before = JSON.parse((Class.previousAttributes || {})[record.id] || '{}');
  const now = record.attributes();
  const changed = {};
  for (const key of Object.keys(now)) {
    if (key !== 'id' && !(Class.ignoreFields || []).includes(key) && now[key] !== before[key]) {
      changed[key] = now[key];
    }
  }
  return changed;
}

function Ajax(eventName, modelOrParams, options) {
  if (eventName === 'create') {
    const body = this.attributes();
    delete body.id;
    return settle(request('POST', '/' + modelOrParams.className, body).then((data) => ({ ...data, id: data.Id })));
  }
  if (eventName === 'update') {
    const body = changedFields(this, modelOrParams);
    return settle(request('PUT', '/' + modelOrParams.className + '/' + this.id, body));
  }
  if (eventName === 'destroy') {
    return settle(request('PUT', '/' + modelOrParams.className + '/' + this.id));
  }
  if (eventName === 'query') {
    const path = '/' + this.className + '?query=' + modelOrParams + '&autoFetch=true&maxFetch=500';
    return settle(request('GET', path));
  }
  if (eventName === 'read') {
    return settle(request('GET', '/' + this.className + '/' + modelOrParams));
  }
  return KewPromise.reject(new Error('unsupported connector call ' + eventName));
}
Ajax.host = process.env.PROXY_URL;

async function main() {
  const name = process.env.NAME;
  const Account = Model.setup('Account', ['Name', 'Phone', 'Industry']);
  Account.ajax = Ajax;
  const out = {};

  const created = await Account.create({ Name: name, Industry: 'Energy' });
  const stored = Account.exists(created.id) ? Account.find(created.id) : null;
  out.create = {
    id: created.id, name: created.Name, request: sent[sent.length - 1],
    storedName: stored && stored.Name, storedCreatedDate: Boolean(stored && stored.CreatedDate),
  };

  const second = await Account.create({ Name: name + ' B', Industry: 'Energy', Phone: '555-0000' });

  const record = Account.find(created.id);
  record.Phone = '555-0142';
  await record.save();
  out.update = { request: sent[sent.length - 1], phone: Account.find(created.id).Phone };

  const soql = "select Id, Name, Phone from Account where Name like '" + name + "%' order by Name";
  const rows = await Account.query(soql);
  out.query = {
    request: sent[sent.length - 1], length: rows.length, names: rows.map((row) => row.Name),
    phones: rows.map((row) => row.Phone),
    // Model.refresh() keys each queried record by its Id.
    stored: rows.map((row) => (Account.exists(row.Id) ? Account.find(row.Id).Phone : null)),
  };

  // Model.read() of a record already in the store fails inside clay-model 0.0.9 (exists() returns
  // a boolean it then calls refresh() on), so a second model class with an empty store reads it.
  const Fresh = Model.setup('Account', ['Name', 'Phone', 'Industry']);
  Fresh.ajax = Ajax;
  const read = await Fresh.read(second.id);
  out.read = { phone: read.Phone, request: sent[sent.length - 1] };

  let failure = null;
  try {
    await Account.create({ Industry: 'Energy' });
  } catch (err) {
    failure = err;
  }
  out.error = { status: failure && failure.status, code: failure && failure.body && failure.body[0].errorCode,
                leftLocally: Account.all().filter((row) => !row.Name).length };

  await Account.find(created.id).destroy();
  out.destroy = { request: sent[sent.length - 1], existsLocally: Account.exists(created.id) !== false };

  const after = await Account.query("select Id, Name from Account where Name like '" + name + "%'");
  out.afterDestroy = { names: after.map((row) => row.Name).sort() };
  out.ids = [created.id, second.id];

  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : JSON.stringify(err));
  process.exit(1);
});
