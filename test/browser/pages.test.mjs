// The pages in a real headless Chromium (Debian's, driven by
// playwright-core from web/node_modules) against the real binary on a
// free loopback port with a temporary data directory: a buyer, a declined
// card, a seller, the operator's time travel and audit, and a flash sale,
// each at desktop and at phone width, with a screenshot of each.
//
//   cd web && node ../test/browser/pages.test.mjs TILLROLL_BINARY WEB_DIR OUT_DIR
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [binary, webDir, outDir] = process.argv.slice(2);
if (!binary || !webDir || !outDir) {
  console.error("usage: node pages.test.mjs TILLROLL_BINARY WEB_DIR OUT_DIR");
  process.exit(2);
}
// Run from web/, whose node_modules holds playwright-core (package-lock.json).
const { chromium } = createRequire(join(process.cwd(), "package.json"))("playwright-core");

const admin = { email: "admin@pages.test", password: "pages-admin-password" };
const screenshots = join(outDir, "screenshots");
mkdirSync(screenshots, { recursive: true });

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/// `extra`: more serve flags; by default the demo store (400 products).
async function startNode(extra = ["--demo", "--demo-products", "400"]) {
  const dataDir = mkdtempSync(join(tmpdir(), "tillroll-pages-"));
  const port = await freePort();
  const child = spawn(
    binary,
    ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`, ...extra,
      "--password-hashing", "minimum", "--admin-email", admin.email, "--admin-password", admin.password, "--web-dir", webDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 600; ++tries) {
    if (child.exitCode !== null) throw new Error(`the node exited: ${output}`);
    try {
      // The demo is seeded before the node says it is serving.
      if (output.includes("tillroll serving on") && (await fetch(`${base}/readyz`)).status === 200) return { child, base, dataDir, output: () => output };
    } catch {}
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`the node was not ready in 60 s: ${output}`);
}

async function api(base, method, path, { token, body, headers } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

const token = async (base, email, password) => (await api(base, "POST", "/v1/sessions", { body: { email, password } })).json.token;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const results = [];
const weights = {};

/// One scenario in a fresh browser context at `width`, failing on any
/// console error or page error except the answers the scenario expects
/// (Chromium logs a 402 or 409 fetch as a console error).
async function scenario(browser, name, view, run, expected = []) {
  const context = await browser.newContext({ viewport: view.size, isMobile: view.mobile, hasTouch: view.mobile });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (expected.some((what) => text.includes(typeof what === "number" ? `status of ${what}` : what))) return;
    problems.push(`console error: ${text}`);
  });
  const started = Date.now();
  try {
    await run(page);
    await checkLabels(page);
    check(problems.length === 0, problems.join("\n"));
    results.push({ name, view: view.name, ok: true, ms: Date.now() - started });
  } catch (error) {
    results.push({ name, view: view.name, ok: false, error: String(error.stack ?? error) });
  } finally {
    await page.screenshot({ path: join(screenshots, `${name}-${view.name}.png`), fullPage: true }).catch(() => {});
    await context.close();
  }
}

/// Every visible form control has a label (or an aria-label).
async function checkLabels(page) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((control) => control.type !== "hidden" && control.offsetParent !== null)
      .filter((control) => control.labels.length === 0 && !control.getAttribute("aria-label"))
      .map((control) => control.outerHTML.slice(0, 80)),
  );
  check(unlabelled.length === 0, `controls without a label: ${unlabelled.join(", ")}`);
}

async function signUpInPage(page, base, role) {
  const email = `${role}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@pages.test`;
  await page.goto(`${base}/#/account`);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("pages-password-1");
  if (role === "seller") await page.getByLabel("I want to").selectOption("seller");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: new RegExp(`Sign out ${email}`) }).waitFor();
  return email;
}

async function fillAddress(page) {
  await page.getByLabel("Full name").fill("Ada Buyer");
  await page.getByLabel("Street and number").fill("1 Test Street");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("Country").fill("Germany");
}

/// The buyer's path: keyboard search, a facet, a product, the cart, and
/// a checkout with tok_visa (or `card`) from the checkout page.
async function buyOne(page, base, term, card) {
  await page.goto(`${base}/`);
  await page.getByRole("heading", { name: "Best sellers" }).waitFor();
  await page.focus("#search-text");
  await page.keyboard.type(term);
  await page.keyboard.press("Enter");
  await page.getByText(/\d+ products/).waitFor();
  const brand = page.getByRole("group", { name: "Brand" }).getByRole("checkbox").first();
  await brand.check();
  await page.waitForURL(/brand=/);
  await page.getByText(/\d+ products/).waitFor();
  await page.getByRole("list", { name: "Search results" }).getByRole("link").first().click();
  const add = page.getByRole("button", { name: "Add to cart" });
  await add.waitFor();
  // A product with stock: the demo's are, and its first variant in stock is chosen.
  await page.getByText(/\d+ available/).waitFor();
  await add.click();
  await page.getByText("Added to your cart").waitFor();
  await page.getByRole("link", { name: "Go to the cart" }).click();
  await page.getByRole("link", { name: "Check out" }).click();
  await fillAddress(page);
  await page.getByLabel("Card").selectOption(card);
  await page.getByRole("button", { name: "Place order" }).click();
}

const views = [
  { name: "desktop", size: { width: 1280, height: 900 }, mobile: false },
  { name: "phone", size: { width: 390, height: 844 }, mobile: true },
];

const node = await startNode();
// Answers every checkout 202 queued (it waits 1 ms for the saga): the
// pages' polling, and a lost check of a queued order.
// A checkout here is answered 202 before it settles: it waits 1 ms, and
// the PSP takes 50 ms, so no checkout is fast enough to be answered 201.
const queuedNode = await startNode(["--checkout-wait-ms", "1", "--psp-latency-ms", "50"]);
const { base } = node;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
let orderId = null;
try {
  const sample = (await api(base, "GET", "/v1/search?limit=1&in_stock=true")).json.items[0];
  const term = sample.title.split(" ").find((word) => word.length > 3) ?? sample.title.split(" ")[0];
  const adminToken = await token(base, admin.email, admin.password);

  for (const view of views) {
    await scenario(browser, "home", view, async (page) => {
      const scripts = [];
      page.on("response", async (response) => {
        if (response.request().resourceType() === "script") scripts.push((await response.body()).length);
      });
      await page.goto(`${base}/`, { waitUntil: "networkidle" });
      await page.getByRole("heading", { name: "Categories" }).waitFor();
      await page.getByRole("list", { name: "Best sellers" }).waitFor();
      const bytes = scripts.reduce((total, size) => total + size, 0);
      weights[`storefront first page script (${view.name})`] = bytes;
      check(bytes < 100 * 1024, `the storefront's first page loads ${bytes} bytes of script`);
    });

    await scenario(browser, "buyer-checkout", view, async (page) => {
      await signUpInPage(page, base, "buyer");
      await buyOne(page, base, term, "tok_visa");
      await page.getByText("Thank you! Your order is confirmed.").waitFor();
      check(["payment confirmed", "fulfillment processing"].includes(await page.getByTestId("order-status").textContent()), "the order is not confirmed");
      orderId = decodeURIComponent(page.url().split("#/orders/")[1].split("?")[0]);
      await page.getByRole("heading", { name: "History" }).waitFor();
    });

    await scenario(
      browser,
      "declined-card",
      view,
      async (page) => {
        await signUpInPage(page, base, "buyer");
        await buyOne(page, base, term, "tok_declined");
        await page.getByText("Your card was declined").waitFor();
        check(page.url().includes("#/checkout"), "a declined checkout left the checkout page");
      },
      [402],
    );

    await scenario(browser, "seller-lists", view, async (page) => {
      await signUpInPage(page, base, "seller");
      const word = `Zephyrine${view.name}${Date.now() % 100000}`;
      await page.goto(`${base}/#/seller/new`);
      await page.getByLabel("Title").fill(`${word} lantern`);
      await page.getByLabel("Description").fill("A lantern for the browser test");
      await page.getByLabel("Brand").fill("Testlight");
      await page.getByLabel("Category").fill("Lighting");
      await page.getByLabel("SKU (letters, digits, dashes)").fill(`LANTERN-${word}`);
      await page.getByLabel("Price").fill("19.99");
      await page.getByRole("button", { name: "List product" }).click();
      await page.getByText("Listed. It shows in search").waitFor();
      // The search index applies it within a second (more on a loaded
      // machine); the page searches as a buyer would, for up to 15 s.
      const deadline = Date.now() + 15000;
      await page.goto(`${base}/#/search?q=${word}`);
      for (;;) {
        await page.getByText(/\d+ products/).waitFor();
        if ((await page.getByRole("link", { name: `${word} lantern` }).count()) > 0) break;
        check(Date.now() < deadline, "the listed product never appeared in search");
        await sleep(250);
        // The same address again is no navigation: the page is loaded anew.
        await page.reload();
      }
      // A buyer buys it (through the API); the seller ships and delivers the line.
      const email = `lantern-buyer-${view.name}-${Date.now()}@pages.test`;
      await api(base, "POST", "/v1/users", { body: { email, password: "pages-password-1", role: "buyer" } });
      const buyer = await token(base, email, "pages-password-1");
      const bought = await api(base, "POST", "/v1/checkout", {
        token: buyer,
        headers: { "Idempotency-Key": `lantern-${view.name}` },
        body: { payment_token: "tok_visa", shipping_address: { name: "Ann" }, items: [{ sku: `LANTERN-${word}`, quantity: 1 }] },
      });
      check(bought.status === 201, `the lantern was not bought: ${JSON.stringify(bought.json)}`);
      await page.getByRole("link", { name: "Seller area" }).click();
      await page.getByRole("link", { name: "Orders" }).click();
      await page.getByRole("button", { name: "Mark shipped" }).click();
      await page.getByRole("button", { name: "Mark delivered" }).click();
      await page.getByText(/· delivered ·/).waitFor();
    });

    await scenario(browser, "search-suggestions", view, async (page) => {
      await page.goto(`${base}/`);
      await page.focus("#search-text");
      await page.keyboard.type(term.slice(0, 3));
      await page.waitForFunction(() => document.querySelectorAll("#search-suggestions option").length > 0);
      // A misspelling (a letter left out) is corrected, or offered.
      await page.fill("#search-text", term.slice(0, 2) + term.slice(3));
      await page.keyboard.press("Enter");
      const offered = page.getByRole("status").filter({ hasText: /Did you mean|Showing results for/ });
      await offered.waitFor();
      await offered.getByRole("link", { name: new RegExp(term, "i") }).click();
      await page.getByText(/\d+ products/).waitFor();
      await page.getByLabel("Sort by").selectOption("price_asc");
      await page.waitForURL(/sort=price_asc/);
      await page.getByRole("list", { name: "Search results" }).waitFor();
    });

    await scenario(browser, "admin-time-travel", view, async (page) => {
      check(orderId, "no order from the buyer scenario");
      await page.goto(`${base}/console/`);
      await page.getByLabel("Admin email").fill(admin.email);
      await page.getByLabel("Password").fill(admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Global log" }).waitFor();
      await page.goto(`${base}/console/#/stream/order-${encodeURIComponent(orderId)}`);
      const slider = page.getByLabel(/State after event #/);
      await slider.waitFor();
      const latest = await page.getByTestId("travel-at").textContent();
      await slider.focus();
      await page.keyboard.press("Home");
      await page.getByTestId("travel-at").filter({ hasText: "After #1," }).waitFor();
      const earlier = await page.getByLabel("State at the chosen point").textContent();
      check(!earlier.includes("payment_confirmed") && latest !== "After #1,", "the slider did not go back to an earlier state");
      await page.getByRole("table", { name: /Changes from sequence 1/ }).waitFor();
      await page.screenshot({ path: join(screenshots, `time-travel-${view.name}.png`), fullPage: true });
      await page.getByRole("link", { name: "Audit" }).click();
      await page.getByTestId("audit-ok").waitFor();
    });

    await scenario(browser, "flash-sale", view, async (page) => {
      const sku = (await api(base, "GET", `/v1/products/${sample.product_id}`)).json.variants[0].sku;
      const start = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, "Z");
      const end = new Date(Date.now() + 600000).toISOString().replace(/\.\d+Z$/, "Z");
      const sale = await api(base, "POST", "/v1/flash-sales", {
        token: adminToken,
        body: { sku, quantity: 1, price_cents: 100, starts_at: start, ends_at: end, per_user_limit: 1, admit_per_second: 20 },
      });
      check(sale.status === 201, `the sale was not created: ${JSON.stringify(sale.json)}`);
      await signUpInPage(page, base, "buyer");
      await page.goto(`${base}/#/flash/${sale.json.id}`);
      await page.getByRole("button", { name: "Join the waiting room" }).click();
      await page.getByText("It is your turn!").waitFor({ timeout: 30000 });
      await fillAddress(page);
      await page.getByRole("button", { name: "Buy now" }).click();
      await page.getByText("Thank you! Your order is confirmed.").waitFor();
      await page.goto(`${base}/#/flash/${sale.json.id}`);
      await page.getByText("Sold out. Thank you for waiting.").waitFor();
    });

    await scenario(browser, "console-tour", view, async (page) => {
      const shot = (what) => page.screenshot({ path: join(screenshots, `console-${what}-${view.name}.png`), fullPage: true });
      await page.goto(`${base}/console/`);
      await page.getByLabel("Admin email").fill(admin.email);
      await page.getByLabel("Password").fill(admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Global log" }).waitFor();
      check(await page.getByLabel("Live tail").isChecked(), "the log does not tail");
      await page.getByLabel("Kind").selectOption("order");
      await page.waitForURL(/kind=order/);
      const streams = page.getByRole("table", { name: "Events in global order" }).getByRole("link", { name: /^order-/ });
      await streams.first().waitFor();
      await shot("log");
      await page.goto(`${base}/console/#/ledger`);
      await page.getByRole("button", { name: "Reconcile with the PSP" }).click();
      await page.getByText("The ledger and the PSP agree on every payment.").waitFor();
      await page.getByText(/charge keys; none charged twice/).waitFor();
      await shot("ledger");
      await page.goto(`${base}/console/#/models`);
      await page.getByRole("cell", { name: "catalog", exact: true }).waitFor();
      await shot("models");
      await page.goto(`${base}/console/#/metrics`);
      // uPlot draws each chart on a canvas once two scrapes are in.
      await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 6, null, { timeout: 15000 });
      // Each chart has a point once two scrapes are in (2 s apart).
      await page.getByText(/now: events \d+/).waitFor({ timeout: 15000 });
      await page.getByText(/now: live \d+/).waitFor();
      await shot("metrics");
      await page.goto(`${base}/console/#/flash`);
      await page.getByRole("link", { name: "store page" }).first().waitFor();
      await shot("flash");
      await page.goto(`${base}/console/#/cluster`);
      await page.getByText("This node runs alone").waitFor();
    });

    await scenario(browser, "queued-checkout", view, async (page) => {
      const queued = queuedNode.base;
      const sellerEmail = `queue-seller-${view.name}@pages.test`;
      await api(queued, "POST", "/v1/users", { body: { email: sellerEmail, password: "pages-password-1", role: "seller" } });
      const seller = await token(queued, sellerEmail, "pages-password-1");
      const sku = `QUEUE-${view.name}`;
      const listed = await api(queued, "POST", "/v1/products", {
        token: seller,
        body: {
          title: `Queued lamp ${view.name}`, description: "d", brand: "Queue", category: "Lighting", attributes: {}, images: [],
          variants: [{ sku, price_cents: 1500, currency: "USD", attributes: {}, stock: 5 }],
        },
      });
      check(listed.status === 201, `not listed: ${JSON.stringify(listed.json)}`);
      await signUpInPage(page, queued, "buyer");
      await page.goto(`${queued}/#/product/${listed.json.id}`);
      await page.getByText(/\d+ available/).waitFor();
      await page.getByRole("button", { name: "Add to cart" }).click();
      await page.getByText("Added to your cart").waitFor();
      await page.goto(`${queued}/#/checkout`);
      await fillAddress(page);
      // The checkout answers 202 and its order's checks are lost: the page
      // must follow that order, not offer a new attempt.
      await page.route("**/v1/orders/**", (route) => route.abort());
      await page.getByRole("button", { name: "Place order" }).click();
      await page.getByText("Your order is placed and being processed").waitFor();
      const follow = page.getByRole("button", { name: "Follow my order" });
      await follow.waitFor();
      check(await page.getByLabel("Card").isDisabled(), "the card can be changed while the order is open");
      await page.unroute("**/v1/orders/**");
      await follow.click();
      await page.getByText("Thank you! Your order is confirmed.").waitFor();
      const session = JSON.parse(await page.evaluate(() => localStorage.getItem("tillroll.store.session")));
      const orders = await api(queued, "GET", "/v1/orders", { token: session.token });
      check(orders.json.items.length === 1, `the buyer has ${orders.json.items.length} orders`);
      const charges = await api(queued, "GET", "/v1/admin/psp/charges", { token: await token(queued, admin.email, admin.password) });
      const forOrder = charges.json.items.filter((charge) => charge.reference === orders.json.items[0].id);
      check(forOrder.length === 1 && forOrder[0].captures === 1, `the PSP took ${JSON.stringify(forOrder)}`);
    }, ["net::ERR_FAILED"]);
  }
} finally {
  await browser.close();
  for (const started of [node, queuedNode]) {
    started.child.kill("SIGTERM");
    await new Promise((done) => started.child.once("exit", done));
    if (!process.env.TILLROLL_KEEP_TEST_DATA) rmSync(started.dataDir, { recursive: true, force: true });
  }
}

writeFileSync(join(outDir, "results.json"), JSON.stringify({ results, weights }, null, 2));
for (const result of results) console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name} (${result.view})${result.ok ? ` ${result.ms} ms` : `\n${result.error}`}`);
console.log(`screenshots in ${screenshots}`);
for (const [what, bytes] of Object.entries(weights)) console.log(`weight: ${what}: ${bytes} bytes`);
process.exit(results.every((result) => result.ok) ? 0 : 1);
