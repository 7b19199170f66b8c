// Use the proxy's /demo page in Chromium as a newcomer would: sign in through
// the sandbox org's form, see the Accounts, create one, edit it, delete it.
// Prints one JSON object describing what the page showed at each stage.
//
// Environment: PROXY_URL, SF_USERNAME, SF_PASSWORD, RUN_ID.

const { launch, logPage, fillLoginForm, report, env } = require("./browser_common");

const PROXY_URL = env("PROXY_URL");
const DEMO_URL = `${PROXY_URL}/demo`;
const NAME = `Demo ${env("RUN_ID")} Ærø`;

function rowOf(page, text) {
  return page.locator("#accounts tr", { hasText: text });
}

async function tableNames(page) {
  return page.locator("#accounts tr td:first-child").allTextContents();
}

async function waitForReady(page) {
  await page.locator("body[data-ready=true]").waitFor();
}

async function run(page, results) {
  await page.goto(DEMO_URL);
  await waitForReady(page);
  results.signedOutVisible = await page.locator("#signed-out").isVisible();

  await page.locator("#login").click();
  await fillLoginForm(page, DEMO_URL, env("SF_USERNAME"), env("SF_PASSWORD"));
  await waitForReady(page);
  results.signedInVisible = await page.locator("#signed-in").isVisible();
  results.username = await page.locator("#username").textContent();
  results.error = await page.locator("#error").textContent();
  results.names = await tableNames(page);

  const form = page.locator("#create-form");
  await form.locator("input[name=Name]").fill(NAME);
  await form.locator("input[name=Industry]").fill("Energy");
  await form.locator("button[type=submit]").click();
  await rowOf(page, NAME).waitFor();
  results.createdId = await rowOf(page, NAME).getAttribute("data-id");
  results.createdCells = await rowOf(page, NAME).locator("td").allTextContents();

  // While edited, the row shows inputs, so it is found by its record id.
  const row = page.locator(`#accounts tr[data-id="${results.createdId}"]`);
  await row.getByRole("button", { name: "Edit" }).click();
  await row.locator("input[name=Phone]").fill("555-0123");
  await row.getByRole("button", { name: "Save" }).click();
  await row.locator("td", { hasText: "555-0123" }).waitFor();
  results.editedCells = await row.locator("td").allTextContents();
  results.errorAfterEdit = await page.locator("#error").textContent();

  await row.getByRole("button", { name: "Delete" }).click();
  await row.waitFor({ state: "detached" });
  results.namesAfterDelete = await tableNames(page);

  // A reload reads the list from Salesforce again.
  await page.reload();
  await waitForReady(page);
  results.namesAfterReload = await tableNames(page);
}

(async () => {
  const { context, close } = await launch();
  const results = {};
  try {
    const page = await context.newPage();
    logPage(page);
    await run(page, results);
  } finally {
    await close();
  }
  report(results);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
