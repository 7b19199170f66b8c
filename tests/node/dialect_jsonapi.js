// Drive devour-client 3.2 against the proxy with the jsonapi dialect.
// Environment: PROXY_URL, BEARER (sealed session), NAME (unique record name).
// Prints one JSON document of observations for the Python test to check.
'use strict';

const JsonApi = require('devour-client');

const name = process.env.NAME;
const api = new JsonApi({ apiUrl: process.env.PROXY_URL });
api.headers['Authorization'] = 'Bearer ' + process.env.BEARER;
api.headers['X-Model-Dialect'] = 'jsonapi';

api.define('Account', {
  Name: '', Industry: '', BillingCity: '', Phone: '', CreatedDate: '', LastModifiedDate: '', OwnerId: '',
}, { readOnly: ['CreatedDate', 'LastModifiedDate', 'OwnerId'] });

async function outcome(promise) {
  try {
    const result = await promise;
    return { ok: true, result };
  } catch (err) {
    return { ok: false, errors: err && err.response ? undefined : String(err), error: err };
  }
}

async function main() {
  const out = {};

  const created = await api.create('Account', { Name: name, Industry: 'Energy', BillingCity: 'Zürich' });
  const id = created.data.id;
  out.create = { id, type: created.data.type, name: created.data.Name, hasCreatedDate: !!created.data.CreatedDate };

  await api.create('Account', { Name: name + ' B', Industry: 'Energy' });

  const found = await api.find('Account', id);
  out.find = { id: found.data.id, name: found.data.Name, city: found.data.BillingCity, links: found.links };

  const all = await api.findAll('Account', { filter: { Industry: 'Energy', Name: [name, name + ' B'] }, sort: '-Name' });
  out.findAll = { names: all.data.map((a) => a.Name), meta: all.meta, links: all.links };

  const paged = await api.findAll('Account', { filter: { Industry: 'Energy' }, sort: 'Name', page: { size: 1 } });
  out.paged = { length: paged.data.length, meta: paged.meta, next: paged.links && paged.links.next };

  const updated = await api.update('Account', { id, Name: name + ' updated', Phone: '555-0101' });
  out.update = { name: updated.data.Name, phone: updated.data.Phone, city: updated.data.BillingCity };

  let failure = null;
  try {
    await api.create('Account', { Industry: 'Energy' });
  } catch (err) {
    failure = err;
  }
  out.error = { thrown: failure !== null, errors: failure && !(failure instanceof Error) ? failure : null,
                message: failure instanceof Error ? String(failure) : null };

  await api.destroy('Account', id);
  let missing = null;
  try {
    await api.find('Account', id);
  } catch (err) {
    missing = err;
  }
  out.destroy = { findAfterwards: missing && !(missing instanceof Error) ? missing : String(missing) };

  const other = all.data.find((a) => a.Name === name + ' B');
  if (other) await api.destroy('Account', other.id);
  out.cleanup = !!other;

  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err && err.stack || JSON.stringify(err));
  process.exit(1);
});
