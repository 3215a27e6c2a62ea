// Drives the Debian chromium (headless) through playwright-core over the counter page and the
// dashboard, the way a person with a keyboard would: sign in, Tab to the question box, type,
// press Enter, open the SPARQL toggle, escalate, look up a product and a dossier, open the
// dashboard. Also checks what a person cannot see at a glance: labels on every field, text
// contrast (WCAG 2.1 AA), a visible focus indicator, and that nothing is fetched from another
// machine. Prints one JSON object on stdout; the pytest side asserts on it.
//
// usage: node counter_driver.mjs '{"scenario": "counter" | "dashboard", "baseUrl": "...", "key": "...", ...}'
import { chromium } from "playwright-core";

const opts = JSON.parse(process.argv[2]);
const executablePath = opts.executablePath || process.env.SCHAKEL_CHROMIUM || "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"];
const out = { requests: [], consoleErrors: [], pageErrors: [], screenshots: [] };

// --- checks run inside the page -------------------------------------------------------------
function unlabelledFields() {
  const fields = [...document.querySelectorAll("input, select, textarea")].filter((e) => e.type !== "hidden");
  const missing = fields.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
    && !e.getAttribute("aria-labelledby")).map((e) => e.id || e.name || e.outerHTML.slice(0, 60));
  const buttons = [...document.querySelectorAll("button")].filter((b) => !(b.textContent || "").trim()
    && !b.getAttribute("aria-label")).map((b) => b.outerHTML.slice(0, 60));
  return { fields: fields.map((e) => e.id), missing, unnamedButtons: buttons };
}

function contrastProblems() {
  const parse = (s) => {
    const m = s.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const blend = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) colour = blend(layers[i], colour);
    return colour;
  };
  const problems = [];
  let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "TITLE", "DESC", "OPTION", "DATALIST"].includes(el.tagName.toUpperCase())) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue; // visually hidden text for screen readers
    const inSvg = el.closest("svg") !== null;
    const fg = parse(inSvg ? (style.fill || style.color) : style.color);
    if (!fg) continue;
    const bg = background(inSvg ? el.closest("svg").parentElement : el);
    const colour = blend(fg, bg);
    const l1 = lum(colour), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    checked += 1;
    if (ratio + 1e-6 < needed) problems.push({ text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100, needed });
  }
  return { checked, problems };
}

async function tabStops(page, count) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.focus("body").catch(() => {});
  const stops = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press("Tab");
    stops.push(await page.evaluate(() => {
      const e = document.activeElement;
      const s = getComputedStyle(e);
      return { id: e.id || null, tag: e.tagName.toLowerCase(), text: (e.textContent || e.value || "").trim().slice(0, 40),
               focusVisible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none" };
    }));
  }
  return stops;
}

async function signIn(page, baseUrl, key, target) {
  await page.goto(`${baseUrl}${target}`, { waitUntil: "load", timeout: 30000 });
  out.signinUrl = page.url();
  out.signinLabels = await page.evaluate(unlabelledFields);
  // The key field has autofocus: type and press Enter, as a person would.
  out.signinFocus = await page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.keyboard.type(key);
  await Promise.all([page.waitForURL((u) => u.pathname === target, { timeout: 30000 }), page.keyboard.press("Enter")]);
}

async function shot(page, name) {
  const path = `${opts.artefacts}/${name}`;
  await page.screenshot({ path, fullPage: true });
  out.screenshots.push(path);
}

async function card(page, index) {
  return page.evaluate((i) => {
    const cards = [...document.querySelectorAll("#antwoorden .kaart")];
    const c = cards[cards.length - 1 - i]; // newest first on the page; index 0 = first asked
    const details = c.querySelector("details.sparql-toggle");
    return {
      id: c.id,
      status: c.getAttribute("data-status"),
      badge: c.querySelector(".kaart-kop .label").textContent,
      question: c.querySelector("h3").textContent,
      answer: c.querySelector(".antwoord-tekst").textContent,
      headers: [...c.querySelectorAll("table.rijen thead th")].map((t) => t.textContent),
      rows: c.querySelectorAll("table.rijen tbody tr").length,
      sources: [...c.querySelectorAll(".bronnen li")].map((l) => l.textContent),
      hasSparql: !!details,
      sparqlOpen: details ? details.open : null,
      escalationState: c.querySelector(".doorverwijzing").getAttribute("data-escalation-state"),
      escalationText: c.querySelector(".doorverwijzing").textContent.trim(),
      escalateButton: !!c.querySelector(".doorverwijzing button"),
    };
  }, index);
}

async function counter(page) {
  await signIn(page, opts.baseUrl, opts.key, "/balie");
  out.labels = await page.evaluate(unlabelledFields);
  out.tabStops = await tabStops(page, 12);

  // Tab to the question box, type the question, Enter; repeat.
  out.cards = [];
  for (const [i, question] of opts.questions.entries()) {
    await page.focus("#vraag");
    await page.keyboard.type(question);
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll("#antwoorden .kaart").length === n, i + 1,
      { timeout: 120000 });
    out.cards.push(await card(page, i));
  }
  out.status = await page.textContent("#vraag-status");
  out.history = await page.$$eval("#geschiedenis li", (lis) => lis.map((l) => l.textContent.trim()));

  // The SPARQL toggle of the answered card, by keyboard.
  const answered = out.cards.findIndex((c) => c.status === "answered");
  if (answered >= 0) {
    const id = out.cards[answered].id;
    await page.focus(`#${id} details.sparql-toggle summary`);
    await page.keyboard.press("Enter");
    out.sparqlShown = await page.$eval(`#${id} details.sparql-toggle`, (d) => d.open && d.querySelector("pre").offsetHeight > 0);
    out.sparqlText = await page.$eval(`#${id} pre.sparql`, (p) => p.textContent);
  }
  await shot(page, "counter-answers.png");

  // Escalate the answered question by hand.
  if (opts.escalateAnswered && answered >= 0) {
    const id = out.cards[answered].id;
    await page.focus(`#${id} .doorverwijzing button`);
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#${id} .doorverwijzing[data-escalation-state="escalated"]`, { timeout: 60000 });
    out.manualEscalation = { card: await card(page, answered), status: await page.textContent("#vraag-status") };
  }

  // Product lookup with autocomplete.
  await page.focus("#product");
  await page.keyboard.type(opts.productPrefix);
  await page.waitForFunction(() => document.querySelectorAll("#product-suggesties option").length > 0, null, { timeout: 15000 });
  out.suggestions = await page.$$eval("#product-suggesties option", (os) => os.map((o) => o.value));
  await page.fill("#product", opts.product);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#product-fiche-titel", { timeout: 15000 });
  out.productCard = await page.textContent("#product-resultaat");

  // Dossier lookup.
  await page.focus("#dossiernummer");
  await page.keyboard.type(opts.dossier);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#dossier-fiche-titel, #dossier-resultaat .melding-fout", { timeout: 15000 });
  out.dossierCard = await page.textContent("#dossier-resultaat");

  out.contrast = await page.evaluate(contrastProblems);
  await shot(page, "counter-page.png");
}

async function dashboard(page) {
  await signIn(page, opts.baseUrl, opts.key, "/dashboard");
  await page.waitForSelector("svg[data-chart]", { timeout: 30000 });
  out.charts = await page.$$eval("svg[data-chart]", (svgs) => svgs.map((s) => ({
    id: s.getAttribute("data-chart"),
    points: Number(s.getAttribute("data-points")),
    marks: s.querySelectorAll("rect.balk, circle.punt").length,
    title: s.querySelector("title").textContent,
    labelled: !!s.getAttribute("aria-labelledby") && s.getAttribute("role") === "img",
    width: s.getBoundingClientRect().width,
  })));
  out.kpis = await page.$$eval(".kerncijfer", (ks) => ks.map((k) => k.innerText.replace(/\s+/g, " ").trim()));
  out.labels = await page.evaluate(unlabelledFields);
  out.tabStops = await tabStops(page, 8);
  out.contrast = await page.evaluate(contrastProblems);
  await shot(page, "dashboard.png");
  // Open one table of figures by keyboard: the numbers behind a chart.
  await page.focus("#figuur-eerstelijnsantwoord summary");
  await page.keyboard.press("Enter");
  out.figureRows = await page.$$eval("#figuur-eerstelijnsantwoord details tbody tr", (trs) => trs.length);
}

const browser = await chromium.launch({ executablePath, args: flags, headless: true, timeout: 60000 });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "nl-BE" });
  const page = await context.newPage();
  page.on("request", (req) => out.requests.push(req.url()));
  page.on("console", (msg) => { if (msg.type() === "error") out.consoleErrors.push(msg.text()); });
  page.on("pageerror", (err) => out.pageErrors.push(String(err)));
  if (opts.scenario === "counter") await counter(page);
  else if (opts.scenario === "dashboard") await dashboard(page);
  else throw new Error(`unknown scenario ${opts.scenario}`);
  out.cookies = (await context.cookies()).map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }));
  out.jsCookies = await page.evaluate(() => document.cookie);
} catch (err) {
  out.error = String(err && err.stack || err);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: `${opts.artefacts}/${opts.scenario}-failure.png`, fullPage: true });
  } catch (e) { /* the failure itself is what matters */ }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
