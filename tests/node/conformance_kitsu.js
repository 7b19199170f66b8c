// Drive kitsu 11.1.0 against the proxy with the jsonapi dialect, set up as the README recommends.
// Environment: PROXY_URL, BEARER (sealed session), NAME (unique record name).
// Prints one JSON document of observations for the Python test to check.
'use strict';

// kitsu's CommonJS build cannot be loaded with require() on Node 20
// ("Cannot find module './camel.js'"), so it is imported as an ES module.
async function loadKitsu() {
  const module = await import('kitsu');
  return module.default;
}

function failure(err) {
  return {
    thrown: true,
    status: err.response ? err.response.status : null,
    errors: err.errors || null,
  };
}

async function attempt(call) {
  try {
    await call();
    return { thrown: false };
  } catch (err) {
    return failure(err);
  }
}

async function main() {
  const Kitsu = await loadKitsu();
  const name = process.env.NAME;
  const requests = [];
  const api = new Kitsu({
    baseURL: process.env.PROXY_URL,
    headers: { 'X-Model-Dialect': 'jsonapi', Authorization: 'Bearer ' + process.env.BEARER },
    resourceCase: 'none',
  });
  api.interceptors.request.use((config) => {
    requests.push({ method: config.method.toUpperCase(), url: config.url, uri: api.axios.getUri(config),
                    data: config.data || null });
    return config;
  });
  const out = {};

  const created = await api.post('account', { Name: name, Industry: 'Energy', BillingCity: 'Zürich' });
  const id = created.data.id;
  out.create = {
    status: created.status, id, type: created.data.type, name: created.data.Name,
    city: created.data.BillingCity, hasCreatedDate: Boolean(created.data.CreatedDate),
    hasSalesforceAttributes: 'attributes' in created.data, request: requests[requests.length - 1],
  };

  const second = await api.post('account', { Name: name + ' B', Industry: 'Energy' });

  const found = await api.get('account/' + id);
  out.get = { status: found.status, id: found.data.id, name: found.data.Name, city: found.data.BillingCity,
              url: requests[requests.length - 1].url };

  const listed = await api.get('account', {
    params: { filter: { Industry: 'Energy', Name: [name, name + ' B'] }, sort: '-Name', page: { size: 10 } },
  });
  out.list = { names: listed.data.map((record) => record.Name), meta: listed.meta,
               uri: requests[requests.length - 1].uri };

  const paged = await api.get('account', { params: { filter: { Industry: 'Energy' }, sort: 'Name', page: { size: 1 } } });
  out.paged = { length: paged.data.length, hasNext: Boolean(paged.links && paged.links.next) };

  const patched = await api.patch('account', { id, Phone: '555-0199', Name: name + ' renamed' });
  out.patch = { status: patched.status, name: patched.data.Name, phone: patched.data.Phone,
                city: patched.data.BillingCity, request: requests[requests.length - 1] };

  // kitsu's default resourceCase kebab-cases every GET path segment, the record id included.
  const kebab = new Kitsu({ baseURL: process.env.PROXY_URL, headers: api.headers });
  let kebabUrl = null;
  kebab.interceptors.request.use((config) => { kebabUrl = config.url; return config; });
  out.defaultCase = { ...(await attempt(() => kebab.get('account/' + id))), url: kebabUrl };

  out.error = await attempt(() => api.post('account', { Industry: 'Energy' }));

  out.opportunities = await attempt(() => api.get('opportunity', { params: { page: { size: 1 } } }));

  const removed = await api.delete('account', id);
  out.delete = { status: removed.status, request: requests[requests.length - 1] };
  out.gone = await attempt(() => api.get('account/' + id));

  await api.delete('account', second.data.id);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : JSON.stringify(err));
  process.exit(1);
});
