// Drives the Debian chromium (headless) through playwright-core: opens the YASGUI page, optionally
// types an API key and a query, runs it, waits for result rows and takes a screenshot.
// Prints one JSON object on stdout; the pytest side asserts on it.
//
// usage: node yasgui_driver.mjs '{"url": "...", "screenshot": "...", "query": "...", "apiKey": "..."}'
import { chromium } from "playwright-core";

const opts = JSON.parse(process.argv[2]);
const executablePath = opts.executablePath || process.env.SCHAKEL_CHROMIUM || "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"];

const out = { requests: [], consoleErrors: [], pageErrors: [], rows: [], headers: [], status: null };
const browser = await chromium.launch({ executablePath, args: flags, headless: true, timeout: 60000 });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("request", (req) => {
    out.requests.push(req.url());
    if (req.url().includes("/sparql") && req.method() === "POST") {
      out.headers.push(req.headers()["authorization"] || null);
    }
  });
  page.on("console", (msg) => { if (msg.type() === "error") out.consoleErrors.push(msg.text()); });
  page.on("pageerror", (err) => out.pageErrors.push(String(err)));

  await page.goto(opts.url, { waitUntil: "load", timeout: 30000 });
  await page.waitForSelector(".yasqe .CodeMirror", { timeout: 30000 });
  out.endpoint = await page.evaluate(() => window.schakelYasgui.getTab().getEndpoint());
  if (opts.apiKey) {
    await page.fill("#schakel-api-key", opts.apiKey);
  }
  if (opts.query) {
    await page.evaluate((q) => window.schakelYasgui.getTab().getYasqe().setValue(q), opts.query);
  }
  const response = page.waitForResponse((r) => r.url().includes("/sparql") && r.request().method() === "POST",
    { timeout: 30000 });
  await page.click(".yasqe_queryButton");
  out.status = (await response).status();
  await page.waitForSelector(".yasr .dataTable tbody tr, .yasr .yasr_results .emptyResult, .yasr .errorResult",
    { timeout: 30000 });
  // Let the table finish drawing before the screenshot.
  await page.waitForTimeout(300);
  out.rows = await page.$$eval(".yasr .dataTable tbody tr", (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.innerText.trim())));
  out.emptyText = await page.$$eval(".yasr .dataTable tbody td.dataTables_empty", (tds) => tds.map((t) => t.innerText));
  out.resultInfo = await page.$$eval(".yasr_response_chip, .yasr_header", (els) => els.map((e) => e.innerText));
  // Where the key must never end up: the tab's share link and YASGUI's persisted state.
  out.shareLink = await page.evaluate(() => window.schakelYasgui.getTab().getShareableLink());
  out.localStorage = await page.evaluate(() => JSON.stringify(Object.entries(window.localStorage)));
  if (opts.screenshot) {
    await page.screenshot({ path: opts.screenshot, fullPage: true });
  }
  // Autocompletion must come from this server: ask the prefix autocompleter for "sk".
  if (opts.checkAutocomplete) {
    out.prefixCompletions = await page.evaluate(async () => {
      const yasqe = window.schakelYasgui.getTab().getYasqe();
      const ac = yasqe.autocompleters && yasqe.autocompleters.prefixes;
      if (!ac) return null;
      const list = await ac.config.get(yasqe);
      return list.filter((p) => p.startsWith("sk:") || p.startsWith("adres:"));
    });
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
