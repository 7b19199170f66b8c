// Open the Ember page on the app's origin in Chromium and run one of its
// scenarios against the proxy.  Without BEARER the browser first logs in
// through the proxy and the sandbox org's form, and the adapter uses the
// session cookie.  Prints one JSON object: the page's report, every request
// the page sent to the proxy, and the page's console warnings and errors.
//
// Environment: PROXY_URL, APP_URL (the page's origin, listed in ORIGINS),
// SCENARIO (sandbox or customObjects), RUN_ID (a tag for record names), and
// either BEARER (a sealed session) or SF_USERNAME and SF_PASSWORD.

const { launch, logPage, loginThroughForm, report, env } = require("../node/browser_common");

const PROXY_URL = env("PROXY_URL");
const PAGE_URL = `${env("APP_URL")}/index.html`;
const SCENARIO = env("SCENARIO");
const RUN_ID = env("RUN_ID");
const BEARER = process.env.BEARER || null;

/** Record the method, path, body and response of each request the page sends to the proxy. */
function recordProxyRequests(page) {
  const pending = [];
  page.on("requestfinished", (request) => {
    if (request.url().startsWith(PROXY_URL) && request.resourceType() === "fetch") pending.push(describe(request));
  });
  // The requests in the order they finished, once every response body has been read.
  return () => Promise.all(pending);
}

async function describe(request) {
  const url = new URL(request.url());
  const response = await request.response();
  return {
    method: request.method(),
    path: url.pathname,
    query: url.search,
    headers: await request.allHeaders(),
    body: request.postData(),
    status: response ? response.status() : null,
    responseBody: response ? await response.text().catch(() => null) : null,
  };
}

(async () => {
  const { context, close } = await launch();
  try {
    const page = await context.newPage();
    logPage(page);
    const messages = [];
    page.on("console", (message) => {
      if (["error", "warning"].includes(message.type())) messages.push({ type: message.type(), text: message.text() });
    });
    page.on("pageerror", (error) => messages.push({ type: "pageerror", text: error.message }));

    if (BEARER) {
      await page.goto(PAGE_URL);
    } else {
      await loginThroughForm(page, PROXY_URL, PAGE_URL, env("SF_USERNAME"), env("SF_PASSWORD"));
    }
    const proxyRequests = recordProxyRequests(page);
    const landedOn = page.url();

    const scenario = await page.evaluate(
      (options) => window.runEmberScenario(options),
      { scenario: SCENARIO, proxyUrl: PROXY_URL, bearer: BEARER, runId: RUN_ID },
    );
    report({ landedOn, scenario, requests: await proxyRequests(), console: messages });
  } finally {
    await close();
  }
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
