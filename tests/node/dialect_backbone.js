// Drive Backbone 1.6 models and collections against the proxy with the
// backbone dialect.  Only Backbone.ajax is replaced: by a fetch call that
// applies jQuery's rule that a 2xx other than 204 must carry JSON.
// Environment: PROXY_URL, BEARER (sealed session), NAME (unique record name).
// Prints one JSON document of observations for the Python test to check.
'use strict';

const Backbone = require('backbone');

const base = process.env.PROXY_URL;
const name = process.env.NAME;
const requests = [];
let lastHeaders = null;

Backbone.ajax = async function (options) {
  let url = options.url;
  const init = {
    method: options.type,
    headers: {
      'Authorization': 'Bearer ' + process.env.BEARER,
      'X-Model-Dialect': 'backbone',
      'Accept': 'application/json, text/javascript, */*; q=0.01',
    },
  };
  // Backbone.emulateHTTP adds its X-HTTP-Method-Override header in beforeSend.
  if (options.beforeSend) {
    options.beforeSend({ setRequestHeader: (name, value) => { init.headers[name] = value; } });
  }
  if (options.type === 'GET' && options.data && typeof options.data === 'object') {
    url += (url.includes('?') ? '&' : '?') + new URLSearchParams(options.data).toString();
  } else if (options.data && typeof options.data === 'object') {
    // Backbone.emulateJSON: the JSON travels in a form field named model.
    init.body = new URLSearchParams(options.data).toString();
    init.headers['Content-Type'] = options.contentType;
  } else if (options.data) {
    init.body = options.data;
    init.headers['Content-Type'] = options.contentType;
  }

  const response = await fetch(url, init);
  const text = await response.text();
  lastHeaders = response.headers;
  requests.push({ method: init.method, url: url.slice(base.length), status: response.status, body: init.body || null });

  let json;
  let parseError = null;
  if (text) {
    try { json = JSON.parse(text); } catch (err) { parseError = err; }
  } else if (response.status !== 204) {
    parseError = new Error('empty body with status ' + response.status);
  }

  const xhr = { status: response.status, responseText: text, responseJSON: json };
  if (response.ok && !parseError) {
    if (options.success) options.success(json);
  } else if (options.error) {
    options.error(xhr, parseError ? 'parsererror' : 'error', response.statusText);
  }
  return xhr;
};

const Account = Backbone.Model.extend({ idAttribute: 'Id', urlRoot: base + '/accounts' });
const Accounts = Backbone.Collection.extend({ model: Account, url: base + '/accounts' });

function settle(fn) {
  // Resolve with {ok, status, model} from Backbone's success/error callbacks.
  return new Promise((resolve) => {
    fn({
      success: (model) => resolve({ ok: true, model }),
      error: (model, xhr) => resolve({ ok: false, status: xhr.status, body: xhr.responseJSON }),
    });
  });
}

async function main() {
  const out = {};

  // Create: save() on a new model POSTs and merges the fresh record.
  const account = new Account({ Name: name, Industry: 'Energy' });
  const created = await settle((cb) => account.save(null, cb));
  out.create = { ok: created.ok, isNew: account.isNew(), id: account.id, hasCreatedDate: !!account.get('CreatedDate'),
                 hasAttributes: account.has('attributes'), method: requests[requests.length - 1].method };

  // Fetch a model by id.
  const fetched = new Account({ Id: account.id });
  const fetchResult = await settle((cb) => fetched.fetch(cb));
  out.fetch = { ok: fetchResult.ok, name: fetched.get('Name'), industry: fetched.get('Industry'),
                lowerId: fetched.get('id') };

  // Set and save the fetched model: a PUT of every attribute, read-only ones included.
  const before = fetched.get('LastModifiedDate');
  fetched.set({ Phone: '555-0100' });
  const saved = await settle((cb) => fetched.save(null, cb));
  const put = requests[requests.length - 1];
  out.update = { ok: saved.ok, method: put.method, sentKeys: Object.keys(JSON.parse(put.body)).sort(),
                 phone: fetched.get('Phone'), lastModifiedChanged: fetched.get('LastModifiedDate') !== before || !!before };

  // Save with {patch: true}: only the changed attributes go out.
  const patched = await settle((cb) => fetched.save({ BillingCity: 'Zürich' }, Object.assign({ patch: true }, cb)));
  const patch = requests[requests.length - 1];
  out.patch = { ok: patched.ok, method: patch.method, body: JSON.parse(patch.body), city: fetched.get('BillingCity'),
                phone: fetched.get('Phone') };

  // A collection fetched with a SOQL query.
  const byQuery = new Accounts();
  const soql = "SELECT Id, Name, BillingCity FROM Account WHERE Name = '" + name + "'";
  const queryResult = await settle((cb) => byQuery.fetch(Object.assign({ data: { q: soql } }, cb)));
  out.query = { ok: queryResult.ok, length: byQuery.length, names: byQuery.pluck('Name'),
                ids: byQuery.pluck('Id'), total: lastHeaders.get('X-Total-Count') };

  // A collection fetched with field filters.
  const byFilter = new Accounts();
  const filterResult = await settle((cb) => byFilter.fetch(Object.assign({ data: { Name: name, BillingCity: 'Zürich' } }, cb)));
  out.filter = { ok: filterResult.ok, length: byFilter.length, ids: byFilter.pluck('Id'), phone: byFilter.pluck('Phone'),
                 total: lastHeaders.get('X-Total-Count') };

  // An error from Salesforce reaches the error callback and the 'error' event.
  const invalid = new Account({ Industry: 'Energy' });
  let errorEvent = null;
  invalid.on('error', (model, xhr) => { errorEvent = xhr.status; });
  const failed = await settle((cb) => invalid.save(null, cb));
  out.error = { ok: failed.ok, status: failed.status, body: failed.body, event: errorEvent, isNew: invalid.isNew() };

  // Destroy sends DELETE; a fetch afterwards fails with 404.
  const destroyed = await settle((cb) => fetched.destroy(Object.assign({ wait: true }, cb)));
  out.destroy = { ok: destroyed.ok, method: requests[requests.length - 1].method, status: requests[requests.length - 1].status };
  const gone = await settle((cb) => new Account({ Id: account.id }).fetch(cb));
  out.gone = { ok: gone.ok, status: gone.status };

  // Legacy servers: every write as POST, JSON inside a form field.
  Backbone.emulateHTTP = true;
  Backbone.emulateJSON = true;
  const legacy = new Account({ Name: name + ' legacy' });
  const legacyCreated = await settle((cb) => legacy.save(null, cb));
  legacy.set({ Phone: '555-0111' });
  const legacySaved = await settle((cb) => legacy.save(null, cb));
  const legacyPut = requests[requests.length - 1];
  const legacyDestroyed = await settle((cb) => legacy.destroy(Object.assign({ wait: true }, cb)));
  const legacyDelete = requests[requests.length - 1];
  const legacyGone = await settle((cb) => new Account({ Id: legacy.id }).fetch(cb));
  out.emulated = { created: legacyCreated.ok, isNew: legacy.isNew(), saved: legacySaved.ok, phone: legacy.get('Phone'),
                   putSentAs: legacyPut.method, deleted: legacyDestroyed.ok, deleteSentAs: legacyDelete.method,
                   goneStatus: legacyGone.status };
  Backbone.emulateHTTP = false;
  Backbone.emulateJSON = false;

  out.requests = requests.map((r) => ({ method: r.method, url: r.url, status: r.status }));
  console.log(JSON.stringify(out));
}

main().catch((err) => { console.error(err && err.stack || err); process.exit(1); });
