// Drive tornsf.js in Chromium from a page on an allowed origin and from one
// on an origin the proxy does not allow.  Prints one JSON object with the
// outcome of every step; the Python tests assert on it and on the sandbox
// org's call log.
//
// Environment: PROXY_URL, APP_URL (allowed origin), EVIL_URL (not allowed),
// SANDBOX_URL, SF_USERNAME, SF_PASSWORD, RUN_ID (a tag for record names).

const { launch, logPage, loginThroughForm, report, env } = require("./browser_common");

const PROXY_URL = env("PROXY_URL");
const APP_PAGE = `${env("APP_URL")}/module.html?proxy=${encodeURIComponent(PROXY_URL)}`;
const EVIL_PAGE = `${env("EVIL_URL")}/module.html?proxy=${encodeURIComponent(PROXY_URL)}`;
const SANDBOX_URL = env("SANDBOX_URL");
const RUN_ID = env("RUN_ID");

// Runs in the page: `fn` gets the module and `arg`; a rejection is returned
// as data so that one failed step does not hide the others.
async function step(page, fn, arg) {
  return page.evaluate(async ([source, arg]) => {
    const module = await window.tornsfModule;
    try {
      const value = await (0, eval)(source)(module, arg);
      return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (error) {
      return {
        ok: false,
        error: {
          isSalesforceError: error instanceof module.SalesforceError,
          isError: error instanceof Error,
          name: error.name,
          message: error.message,
          errorCode: error.errorCode,
          status: error.status,
          fields: error.fields,
        },
      };
    }
  }, [fn.toString(), arg]);
}

async function sandboxAdmin(method, path, body) {
  const response = await fetch(SANDBOX_URL + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path} on the sandbox returned ${response.status}`);
}

async function runAllowedOrigin(page, results) {
  // Before logging in: a 401 calls the onLoginRequired hook instead of leaving the page.
  await page.goto(APP_PAGE);
  results.beforeLogin = await step(page, async ({ connect }) => {
    let hookCalls = 0;
    const sf = connect({ url: new URLSearchParams(location.search).get("proxy"), onLoginRequired: () => { hookCalls += 1; } });
    try {
      await sf.whoami();
      return { hookCalls, resolved: true };
    } catch (error) {
      return { hookCalls, status: error.status, errorCode: error.errorCode };
    }
  });

  await loginThroughForm(page, PROXY_URL, APP_PAGE, env("SF_USERNAME"), env("SF_PASSWORD"));
  results.landedOn = page.url();
  results.cookies = (await page.context().cookies(PROXY_URL)).map(({ name, sameSite, httpOnly, domain }) => ({ name, sameSite, httpOnly, domain }));

  // The Python side reads the sandbox's call log from here on, and the
  // bodies that the module itself sent from this list.
  await sandboxAdmin("DELETE", "/_sandbox/calls");
  results.browserWrites = [];
  page.on("request", (request) => {
    if (request.url().startsWith(PROXY_URL) && ["POST", "PUT", "PATCH"].includes(request.method())) {
      results.browserWrites.push({ method: request.method(), path: new URL(request.url()).pathname, body: request.postData() });
    }
  });

  // Every step connects again: evaluate() shares nothing but window.
  const proxyUrl = PROXY_URL;
  results.whoami = await step(page, ({ connect }, url) => connect({ url }).whoami(), proxyUrl);
  // Without `url` the module talks to the origin it was loaded from, not the page's.
  results.defaultUrl = await step(page, async ({ connect }) => {
    const sf = connect();
    return { url: sf.url, identity: await sf.whoami() };
  }, null);

  results.create = await step(page, async ({ connect }, { url, name }) => {
    const Account = connect({ url }).model("Account");
    const record = await Account.create({ Name: name, Industry: "Energy", Phone: "555-0100" });
    return { id: record.Id, json: record.toJSON(), changesAfterCreate: record.changes() };
  }, { url: proxyUrl, name: `Browser ${RUN_ID} Ünïcode` });
  const id = results.create.ok ? results.create.value.id : "001000000000000AAA";

  results.find = await step(page, async ({ connect }, { url, id }) => {
    const record = await connect({ url }).model("Account").find(id, { fields: ["Name", "Industry", "Phone"] });
    return { json: record.toJSON(), hasSave: typeof record.save === "function" };
  }, { url: proxyUrl, id });

  results.queryAutoFetch = await step(page, async ({ connect }, url) => {
    const records = await connect({ url }).model("Account").query(
      "SELECT Id, Name FROM Account ORDER BY Id", { autoFetch: true, maxFetch: 100000 },
    );
    const ids = records.map((record) => record.Id);
    return { length: records.length, totalSize: records.totalSize, done: records.done, unique: new Set(ids).size, first: records[0].toJSON() };
  }, proxyUrl);

  results.queryMaxFetch = await step(page, async ({ connect }, url) => {
    const records = await connect({ url }).model("Account").query(
      "SELECT Id FROM Account", { autoFetch: true, maxFetch: 2500 },
    );
    return { length: records.length, totalSize: records.totalSize, done: records.done };
  }, proxyUrl);

  results.queryPages = await step(page, async ({ connect }, url) => {
    const first = await connect({ url }).model("Account").query("SELECT Id, Name FROM Account ORDER BY Id");
    const second = first.next ? await first.next() : [];
    const firstIds = new Set(first.map((record) => record.Id));
    return {
      firstLength: first.length, totalSize: first.totalSize, done: first.done, hasNext: typeof first.next === "function",
      secondLength: second.length, overlap: second.filter((record) => firstIds.has(record.Id)).length,
      secondIsRecords: second.every((record) => typeof record.save === "function" && Boolean(record.Id)),
    };
  }, proxyUrl);

  results.where = await step(page, async ({ connect }, url) => {
    const records = await connect({ url }).model("Account").where({ Industry: "Energy" }, { limit: 5, orderBy: "Name" });
    return { records: records.map((record) => ({ Id: record.Id, Name: record.Name, Industry: record.Industry })) };
  }, proxyUrl);

  // Save a record read with system and relationship fields, after changing
  // a system field and a related record too: only Phone may be sent.
  results.save = await step(page, async ({ connect }, { url, id }) => {
    const Account = connect({ url }).model("Account");
    const [record] = await Account.query(
      "SELECT Id, Name, Industry, Phone, CreatedDate, LastModifiedDate, SystemModstamp, CreatedBy.Name " +
      `FROM Account WHERE Id = '${id}'`,
    );
    record.Phone = "555-0199";
    record.CreatedDate = "2001-01-01T00:00:00.000+0000";
    record.CreatedBy.Name = "Someone Else";
    const changes = record.changes();
    await record.save();
    const changesAfterSave = record.changes();
    await record.save();
    const reread = await Account.find(id, { fields: ["Phone", "Name"] });
    return { changes, changesAfterSave, phone: reread.Phone, name: reread.Name };
  }, { url: proxyUrl, id });

  results.apexPost = await step(page, ({ connect }, url) => connect({ url }).apex.post("/echo", { greeting: "grüß dich" }, { mode: "test" }), proxyUrl);
  results.apexGet = await step(page, ({ connect }, url) => connect({ url }).apex.get("services/apexrest/echo", { a: "1" }), proxyUrl);
  results.apexDel = await step(page, ({ connect }, url) => connect({ url }).apex.del("echo"), proxyUrl);

  results.delete = await step(page, async ({ connect }, { url, id }) => {
    const Account = connect({ url }).model("Account");
    const record = await Account.find(id);
    await record.delete();
    return Account.find(id);
  }, { url: proxyUrl, id });

  results.whereNull = await step(page, ({ connect }, url) => connect({ url }).model("Account").where({ ParentId: null }), proxyUrl);
  results.malformedId = await step(page, ({ connect }, url) => connect({ url }).model("Account").find("not-an-id"), proxyUrl);
  results.requiredField = await step(page, ({ connect }, url) => connect({ url }).model("Account").create({ Industry: "Energy" }), proxyUrl);

}

// Runs last: the session is unusable afterwards.
async function runExpiredSession(page, results) {
  const proxyUrl = PROXY_URL;
  const countRecords = async ({ connect }, url) => {
    const hookErrors = [];
    const sf = connect({ url, onLoginRequired: (error) => hookErrors.push(error.status) });
    try {
      const records = await sf.model("Account").query("SELECT Id FROM Account LIMIT 1");
      return { hookErrors, length: records.length };
    } catch (error) {
      return { hookErrors, status: error.status, errorCode: error.errorCode };
    }
  };

  // An expired access token is refreshed by the proxy: the page notices nothing.
  await sandboxAdmin("POST", "/_sandbox/expire-tokens");
  results.refreshed = await step(page, countRecords, proxyUrl);

  // A session whose token expired and cannot be refreshed: the hook runs.
  await sandboxAdmin("PATCH", "/_sandbox/knobs", { refuse_refresh: true });
  await sandboxAdmin("POST", "/_sandbox/expire-tokens");
  results.expired = await step(page, countRecords, proxyUrl);
  await sandboxAdmin("POST", "/_sandbox/reset-knobs");
}

async function runEvilOrigin(page, results) {
  await page.goto(EVIL_PAGE);
  results.evilImport = await step(page, (module) => typeof module.connect, null);
  results.evilWhoami = await step(page, ({ connect }, url) => connect({ url }).whoami(), PROXY_URL);
  results.evilCreate = await step(page, ({ connect }, url) => connect({ url }).model("Account").create({ Name: "Evil" }), PROXY_URL);
}

(async () => {
  const { context, close } = await launch();
  const results = {};
  try {
    const page = await context.newPage();
    logPage(page);
    await runAllowedOrigin(page, results);
    await runEvilOrigin(await context.newPage(), results);
    await runExpiredSession(page, results);
  } finally {
    await close();
  }
  report(results);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
