#!/usr/bin/env node
// Canned Salesforce stand-in for the benchmarks: plain Node `http`, no npm dependencies.
//
// It serves the calls the proxy makes (OAuth token, identity, record, query pages, Apex) from
// responses built once in memory, so it stays much faster than the proxy under test. Latency knobs
// delay responses with setTimeout and cost no CPU. Admin endpoints (never counted):
//   GET /_stats, DELETE /_stats        call counters, token grants, max in flight
//   GET /_knobs, PATCH /_knobs (JSON)  latency_ms, latency_jitter_ms, page_latency_ms, token_latency_ms, gzip,
//                                      refresh_token_on_password
//   POST /_expire                      every access token issued so far gets 401 from now on
//
// Usage: node bench/upstream.js [--port 0] [--latency-ms N] [--page-latency-ms N]
//        [--token-latency-ms N] [--rows N] [--page-size N]
// Prints one JSON line {"url": "http://127.0.0.1:PORT"} on stdout once listening.
'use strict';

const http = require('http');
const zlib = require('zlib');

const API = '/services/data/v62.0';
const ORG_ID = '00D000000000001AAA';
const USER_ID = '005000000000001AAA';
const SESSION_EXPIRED = Buffer.from(
  JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]));
const NOT_FOUND = Buffer.from(
  JSON.stringify([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]));

function parseArgs(argv) {
  const options = {
    port: 0, latencyMs: 0, pageLatencyMs: null, tokenLatencyMs: 0, rows: 100000, pageSize: 2000,
  };
  const names = {
    '--port': 'port', '--latency-ms': 'latencyMs', '--page-latency-ms': 'pageLatencyMs',
    '--token-latency-ms': 'tokenLatencyMs', '--rows': 'rows', '--page-size': 'pageSize',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const key = names[argv[i]];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value) || value < 0) {
      process.stderr.write(`invalid option ${argv[i]} ${argv[i + 1]}; expected one of ` +
        `${Object.keys(names).join(', ')} with a number >= 0\n`);
      process.exit(2);
    }
    options[key] = value;
  }
  return options;
}

const options = parseArgs(process.argv);

const knobs = {
  latency_ms: options.latencyMs,
  // Query pages use their own latency when set, else the general one.
  page_latency_ms: options.pageLatencyMs,
  token_latency_ms: options.tokenLatencyMs,
  // Data calls wait latency_ms plus a uniform random offset in [-jitter, +jitter].
  latency_jitter_ms: 0,
  gzip: true,
  // Salesforce returns no refresh token to the password grant. The stand-in returns one by default,
  // so the benchmarks log in with one POST and still exercise the refresh path.
  refresh_token_on_password: true,
};

let stats;
function resetStats() {
  // Requests still in flight from before a reset end after it, so their count carries over.
  const inFlight = stats ? stats.in_flight : 0;
  stats = {
    total: 0, by_endpoint: {}, grants: {}, in_flight: inFlight, max_in_flight: inFlight,
    // TCP connections accepted and responses sent gzip-compressed, to check reuse and compression.
    connections_opened: 0, gzip_responses: 0,
    // Milliseconds since the reset at which each query page was requested (first 10,000).
    page_requested_ms: [], started_ms: performance.now(),
  };
}
resetStats();

// Access token -> true while valid. Expired tokens stay in the map with false.
const accessTokens = new Map();
const refreshTokens = new Set();
let tokenSerial = 0;
let apiUsage = 0;

function salesforceId(prefix, serial) {
  // Digits only, so the 3-character case-safe suffix of an 18-character id is always "AAA".
  return prefix + String(serial).padStart(12, '0') + 'AAA';
}

function recordJson(id, name) {
  return `{"attributes":{"type":"Account","url":"${API}/sobjects/Account/${id}"},` +
    `"Id":"${id}","Name":"${name}","Industry":"Technology","AnnualRevenue":1250000,` +
    `"BillingCity":"Lyon","NumberOfEmployees":120,"IsDeleted":false,` +
    `"CreatedDate":"2024-01-15T10:20:30.000+0000","LastModifiedDate":"2024-06-01T08:00:00.000+0000"}`;
}

const SOBJECT_NAMES = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'User'];
const KEY_PREFIXES = { Account: '001', Contact: '003', Lead: '00Q', Opportunity: '006', Case: '500', User: '005' };

const DESCRIBE_GLOBAL = Buffer.from(JSON.stringify({
  encoding: 'UTF-8',
  maxBatchSize: 200,
  sobjects: SOBJECT_NAMES.map((name) => ({
    name, label: name, labelPlural: `${name}s`, keyPrefix: KEY_PREFIXES[name], custom: false,
    queryable: true, createable: true, updateable: true, deletable: true, retrieveable: true,
    urls: { sobject: `${API}/sobjects/${name}`, describe: `${API}/sobjects/${name}/describe` },
  })),
}));

function describeField(name, type, writable) {
  return {
    name, label: name, type, createable: writable, updateable: writable, nillable: name !== 'Id',
    filterable: true, sortable: type !== 'textarea', relationshipName: null, referenceTo: [],
  };
}

// Every object gets the fields of the canned Account record.
function describeSObject(name) {
  return Buffer.from(JSON.stringify({
    name, label: name, keyPrefix: KEY_PREFIXES[name], childRelationships: [],
    fields: [
      describeField('Id', 'id', false), describeField('Name', 'string', true),
      describeField('Industry', 'picklist', true), describeField('AnnualRevenue', 'currency', true),
      describeField('BillingCity', 'string', true), describeField('NumberOfEmployees', 'int', true),
      describeField('IsDeleted', 'boolean', false), describeField('CreatedDate', 'datetime', false),
      describeField('LastModifiedDate', 'datetime', false),
    ],
  }));
}

// Query pages are built once per (total rows, offset) and kept, plain and gzipped.
const pageCache = new Map();

function queryPage(total, offset) {
  const key = `${total}:${offset}`;
  let page = pageCache.get(key);
  if (page) {
    return page;
  }
  const end = Math.min(total, offset + options.pageSize);
  const records = [];
  for (let n = offset; n < end; n++) {
    records.push(recordJson(salesforceId('001', n + 1), `Bench Account ${String(n + 1).padStart(6, '0')}`));
  }
  const done = end >= total;
  const next = done ? '' : `,"nextRecordsUrl":"${API}/query/01gbench${total}-${end}"`;
  const plain = Buffer.from(`{"totalSize":${total},"done":${done}${next},"records":[${records.join(',')}]}`);
  page = { plain, gzipped: zlib.gzipSync(plain, { level: 1 }) };
  pageCache.set(key, page);
  return page;
}

function count(endpoint) {
  stats.total += 1;
  stats.by_endpoint[endpoint] = (stats.by_endpoint[endpoint] || 0) + 1;
}

function send(res, status, body, extraHeaders) {
  const headers = { 'Content-Type': 'application/json;charset=UTF-8', ...extraHeaders };
  if (body) {
    headers['Content-Length'] = body.length;
  }
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res, status, value, extraHeaders) {
  send(res, status, Buffer.from(JSON.stringify(value)), extraHeaders);
}

function later(ms, fn, jitterMs = 0) {
  if (ms > 0 && jitterMs > 0) {
    ms = Math.max(0, ms + (Math.random() * 2 - 1) * jitterMs);
  }
  if (ms > 0) {
    setTimeout(fn, ms);
  } else {
    fn();
  }
}

function bearerToken(req) {
  const header = req.headers.authorization || '';
  const match = /^(?:Bearer|OAuth) (.+)$/.exec(header);
  return match ? match[1] : null;
}

function issueToken(origin, withRefresh) {
  tokenSerial += 1;
  const accessToken = `${ORG_ID.slice(0, 15)}!bench.access.${tokenSerial}.${Date.now()}`;
  accessTokens.set(accessToken, true);
  const reply = {
    access_token: accessToken,
    signature: 'YmVuY2htYXJrIHN0YW5kLWlu',
    scope: 'api refresh_token id',
    instance_url: origin,
    id: `${origin}/id/${ORG_ID}/${USER_ID}`,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
  };
  if (withRefresh) {
    reply.refresh_token = `5Aep861bench.refresh.${tokenSerial}`;
    refreshTokens.add(reply.refresh_token);
  }
  return reply;
}

function handleToken(req, res, body, origin) {
  const fields = new URLSearchParams(body.toString());
  const grant = fields.get('grant_type') || '';
  stats.grants[grant] = (stats.grants[grant] || 0) + 1;

  later(knobs.token_latency_ms, () => {
    if (!fields.get('client_id')) {
      sendJson(res, 400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    } else if (grant === 'password') {
      sendJson(res, 200, issueToken(origin, knobs.refresh_token_on_password));
    } else if (grant === 'refresh_token' && refreshTokens.has(fields.get('refresh_token'))) {
      sendJson(res, 200, issueToken(origin, false));
    } else if (grant === 'refresh_token') {
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    } else {
      sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    }
  });
}

function identity(origin) {
  return {
    id: `${origin}/id/${ORG_ID}/${USER_ID}`, asserted_user: true, user_id: USER_ID,
    organization_id: ORG_ID, username: 'bench@example.com', nick_name: 'bench',
    display_name: 'Bench User', email: 'bench@example.com', first_name: 'Bench', last_name: 'User',
    active: true, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0,
    urls: { rest: `${origin}/services/data/v{version}/`, query: `${origin}/services/data/v{version}/query/` },
  };
}

function routeData(req, res, url, body) {
  const path = url.pathname;
  const method = req.method;

  if (/^\/services\/data\/v62\.0\/sobjects\/?$/.test(path) && method === 'GET') {
    return ['GET /sobjects', knobs.latency_ms, (headers) => send(res, 200, DESCRIBE_GLOBAL, headers)];
  }
  let match = /^\/services\/data\/v62\.0\/sobjects\/(\w+)\/describe\/?$/.exec(path);
  if (match && method === 'GET' && KEY_PREFIXES[match[1]]) {
    return ['GET /sobjects/:type/describe', knobs.latency_ms, (headers) =>
      send(res, 200, describeSObject(match[1]), headers)];
  }
  match = /^\/services\/data\/v62\.0\/sobjects\/(\w+)\/(\w+)$/.exec(path);
  if (match && method === 'GET') {
    return ['GET /sobjects/:type/:id', knobs.latency_ms, (headers) =>
      send(res, 200, Buffer.from(recordJson(match[2], 'Bench Account')), headers)];
  }
  if (match && (method === 'PATCH' || method === 'DELETE')) {
    return [`${method} /sobjects/:type/:id`, knobs.latency_ms, (headers) => send(res, 204, null, headers)];
  }
  match = /^\/services\/data\/v62\.0\/sobjects\/(\w+)\/?$/.exec(path);
  if (match && method === 'POST') {
    return ['POST /sobjects/:type', knobs.latency_ms, (headers) =>
      sendJson(res, 201, { id: salesforceId('001', 999999), success: true, errors: [] }, headers)];
  }

  const pageLatency = knobs.page_latency_ms === null ? knobs.latency_ms : knobs.page_latency_ms;
  match = /^\/services\/data\/v62\.0\/(query|queryAll)\/?$/.exec(path);
  if (match && method === 'GET') {
    const limit = /\bLIMIT\s+(\d+)/i.exec(url.searchParams.get('q') || '');
    const total = limit ? Number(limit[1]) : options.rows;
    return [`GET /${match[1]}`, pageLatency, (headers) => sendPage(req, res, total, 0, headers)];
  }
  match = /^\/services\/data\/v62\.0\/query\/01gbench(\d+)-(\d+)$/.exec(path);
  if (match && method === 'GET') {
    return ['GET /query/:locator', pageLatency, (headers) =>
      sendPage(req, res, Number(match[1]), Number(match[2]), headers)];
  }

  if (path.startsWith('/services/apexrest/')) {
    return [`${method} /apexrest`, knobs.latency_ms, (headers) =>
      sendJson(res, 200, { method, path: path.slice('/services/apexrest'.length), body: body.toString() }, headers)];
  }
  if (path === '/services/oauth2/userinfo' || path === `/id/${ORG_ID}/${USER_ID}`) {
    return [`GET ${path.startsWith('/id/') ? '/id' : '/userinfo'}`, 0, (headers) =>
      sendJson(res, 200, identity(`http://${req.headers.host}`), headers)];
  }
  return ['not found', 0, (headers) => send(res, 404, NOT_FOUND, headers)];
}

function sendPage(req, res, total, offset, headers) {
  const page = queryPage(total, offset);
  const gzipAccepted = knobs.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] || '');
  if (gzipAccepted) {
    stats.gzip_responses += 1;
    send(res, 200, page.gzipped, { ...headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
  } else {
    send(res, 200, page.plain, headers);
  }
}

function handleData(req, res, url, body) {
  const [endpoint, delayMs, respond] = routeData(req, res, url, body);
  count(endpoint);
  if (endpoint.startsWith('GET /query') && stats.page_requested_ms.length < 10000) {
    stats.page_requested_ms.push(Math.round((performance.now() - stats.started_ms) * 10) / 10);
  }

  const token = bearerToken(req) || url.searchParams.get('oauth_token');
  const valid = token !== null && accessTokens.get(token) === true;
  later(delayMs, () => {
    if (!valid) {
      // Identity endpoints respond 403 to a bad token, and the REST API responds 401.
      const status = endpoint.startsWith('GET /id') || endpoint === 'GET /userinfo' ? 403 : 401;
      send(res, status, SESSION_EXPIRED);
      return;
    }
    apiUsage += 1;
    respond({ 'Sforce-Limit-Info': `api-usage=${apiUsage}/5000000` });
  }, knobs.latency_jitter_ms);
}

function handleAdmin(req, res, url, body) {
  const path = url.pathname;
  if (path === '/_stats' && req.method === 'GET') {
    sendJson(res, 200, { ...stats, tokens_issued: tokenSerial });
  } else if (path === '/_stats' && req.method === 'DELETE') {
    resetStats();
    sendJson(res, 200, stats);
  } else if (path === '/_knobs' && req.method === 'PATCH') {
    let changes;
    try {
      changes = JSON.parse(body.toString() || '{}');
    } catch (error) {
      sendJson(res, 400, { error: 'invalid_json', message: String(error) });
      return;
    }
    const unknown = Object.keys(changes).filter((key) => !(key in knobs));
    if (unknown.length) {
      sendJson(res, 400, { error: 'unknown_knob', message: `unknown knobs ${unknown}; known: ${Object.keys(knobs)}` });
      return;
    }
    Object.assign(knobs, changes);
    sendJson(res, 200, knobs);
  } else if (path === '/_knobs' && req.method === 'GET') {
    sendJson(res, 200, knobs);
  } else if (path === '/_expire' && req.method === 'POST') {
    for (const token of accessTokens.keys()) {
      accessTokens.set(token, false);
    }
    sendJson(res, 200, { expired: accessTokens.size });
  } else {
    send(res, 404, NOT_FOUND);
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, `http://${req.headers.host || '127.0.0.1'}`);
    if (url.pathname.startsWith('/_')) {
      handleAdmin(req, res, url, body);
      return;
    }

    stats.in_flight += 1;
    stats.max_in_flight = Math.max(stats.max_in_flight, stats.in_flight);
    res.on('close', () => { stats.in_flight -= 1; });

    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') {
      count('POST /oauth2/token');
      handleToken(req, res, body, `http://${req.headers.host}`);
    } else if (url.pathname === '/services/oauth2/revoke') {
      count('POST /oauth2/revoke');
      send(res, 200, null);
    } else {
      handleData(req, res, url, body);
    }
  });
});

server.on('connection', () => { stats.connections_opened += 1; });

// Clients keep connections open between benchmark phases; Node's 5 s default would close them.
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;

server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }) + '\n');
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
