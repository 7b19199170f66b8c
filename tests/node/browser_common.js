// Shared set-up of the Chromium tests: launch Debian's Chromium through
// playwright-core with a fresh profile, every *.test host mapped to loopback,
// and nothing reaching the network beyond this machine.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // app.test, proxy.app.test and evil.test all reach our loopback servers.
  "--host-resolver-rules=MAP *.test 127.0.0.1",
];

/** Launch Chromium with a new profile directory; returns {context, close}. */
async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tornsf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: 60000,
  });
  context.setDefaultTimeout(30000);

  async function close() {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { context, close };
}

/**
 * Log in through the proxy's /login: the sandbox org's HTML form is filled in
 * and submitted, and the browser is sent back to `appUrl`.
 */
async function loginThroughForm(page, proxyUrl, appUrl, username, password) {
  await page.goto(`${proxyUrl}/login?app_url=${encodeURIComponent(appUrl)}`);
  await fillLoginForm(page, appUrl, username, password);
}

/** Sign in on the sandbox org's login form and wait to be back on `appUrl`. */
async function fillLoginForm(page, appUrl, username, password) {
  await page.locator("input[type=password]").waitFor();
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[type=password]").fill(password);
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(appUrl)),
    page.locator("form [type=submit], form button").first().click(),
  ]);
}

/** Copy the page's console messages and failed responses to stderr, for failure reports. */
function logPage(page) {
  page.on("console", (message) => process.stderr.write(`[console] ${message.text()}\n`));
  page.on("pageerror", (error) => process.stderr.write(`[page error] ${error.message}\n`));
  page.on("response", (response) => {
    if (response.status() >= 400) process.stderr.write(`[response] ${response.status()} ${response.request().method()} ${response.url()}\n`);
  });
}

/** Print the results as the one JSON line the Python side reads. */
function report(results) {
  process.stdout.write("\n" + JSON.stringify(results) + "\n");
}

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`The environment variable ${name} is missing: the Python test sets it.`);
  return value;
}

module.exports = { launch, logPage, loginThroughForm, fillLoginForm, report, env };
