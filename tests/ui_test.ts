/**
 * The dashboard (SPEC §15) in a real headless Chromium (Debian's, driven by
 * puppeteer-core): the login, live data after traffic through a mock
 * upstream, a cooldown, a key's spend, a request's details, the reload
 * button — with no request leaving the proxy's origin, no console error and
 * no secret in the page or anything it was sent. Leaves a screenshot in
 * docs/dashboard.png for the README.
 */
import puppeteer from "puppeteer-core";
import { stringify } from "yaml";
import { assert, assertEquals } from "./support/assert.ts";
import { tempDir } from "./support/cli.ts";
import { startProxyFromFile } from "./support/proxy.ts";
import { fakeUpstream } from "./support/upstream.ts";
import { jsonResponse, openAIChatJSON } from "./support/wire.ts";

const ADMIN = "sk-admin-dashboard-0000000001";
const TEAM = "sy-team00000000000000000000000000000000001";
const PROVIDER_KEY = "sk-provider-secret-0123456789abcdef";
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name:
    "the dashboard in Chromium: login, live charts and tables, a cooldown, a key's spend, a request's details, reload — same origin, no console error, no secret",
  async fn() {
    // Missing Chromium is a failure, not a skip: .ci/run installs it.
    assert(CHROMIUM, "Debian's chromium is not installed (apt install chromium)");
    await using up = fakeUpstream((r) =>
      r.json.model === "broken"
        ? jsonResponse(JSON.stringify({ error: { message: "down" } }), 503)
        : jsonResponse(openAIChatJSON(`answer to ${JSON.stringify(r.json.messages)}`, {
          input: 100,
          output: 50,
        }))
    );
    const dir = await tempDir({});
    const file = `${dir}/switchyard.yaml`;
    await Deno.writeTextFile(
      file,
      stringify({
        server: { api_keys: [ADMIN] },
        log: { level: "error", dir: "", bodies: true },
        providers: {
          oa: {
            type: "openai",
            base_url: up.url,
            api_key: PROVIDER_KEY,
            price: { input_per_mtok: 10, output_per_mtok: 20 },
            retry: { attempts: 1 },
          },
        },
        models: { "gpt-4o": ["oa/broken", "oa/gpt-4o"], mini: ["oa/mini"] },
        routing: { cooldown: { failures: 1, seconds: 600 } },
        keys: [{ name: "team", key: TEAM, rpm: 100, budget: { usd: 5, period: "month" } }],
      }),
    );
    await using proxy = await startProxyFromFile(file);
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${proxy.v1}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEAM}` },
        body: JSON.stringify({
          model: i % 2 ? "mini" : "gpt-4o",
          messages: [{ role: "user", content: `question ${i}` }],
        }),
      });
      assertEquals(r.status, 200);
      await r.text();
    }

    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 1400 });
      const origin = new URL(proxy.url).origin;
      const elsewhere: string[] = [];
      const problems: string[] = [];
      const bodies: Promise<string>[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(origin)) elsewhere.push(r.url());
      });
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(String(e)));
      page.on("response", (r) => {
        if (r.request().method() !== "OPTIONS") bodies.push(r.text().catch(() => ""));
      });

      await page.goto(`${proxy.url}/ui`);
      await page.waitForSelector("#login:not([hidden])");
      await page.type("#key", ADMIN);
      await page.click("#login button[type=submit]");
      await page.waitForSelector("#board:not([hidden])");

      // Charts, each with its title, drawn from the last hour.
      await page.waitForSelector("#chart-requests canvas");
      const titles = await page.$$eval(".charts h3", (hs) => hs.map((h) => h.textContent));
      assertEquals(titles, [
        "Requests / s",
        "Error rate",
        "Latency p50 / p99 (ms)",
        "Tokens / s",
        "Cost per hour (USD)",
      ]);
      // The failing deployment cooling down; the one that has not served listed too.
      // (Expressions as text: they run in the page, where `document` is.)
      await page.waitForFunction(
        `document.querySelector('[data-deployment="oa/broken"]')?.textContent?.includes("cooling down")`,
      );
      const mini = await page.$eval('[data-deployment="oa/mini"]', (r) => r.textContent ?? "");
      assert(mini.includes("healthy"), mini);
      // The key's spend: six answers at $0.002.
      const spend = await page.$eval('[data-key="team"] .spend', (td) => td.textContent ?? "");
      assert(spend.includes("$0.0120") && spend.includes("$5.00"), spend);
      // The requests, newest first; one opens to its attempts and bodies.
      const rows = await page.$$eval("#requests tbody tr", (trs) => trs.length);
      assertEquals(rows, 6);
      await page.click("#requests tbody tr:last-child");
      await page.waitForSelector("#detail[open]");
      const detail = await page.$eval("#detail pre", (p) => p.textContent ?? "");
      const shown = JSON.parse(detail);
      assertEquals(shown.attempts.map((a: { status: number }) => a.status), [503, 200]);
      assert(shown.request_body.includes("question 0"), shown.request_body);
      assert(shown.response_body.includes("answer to"), shown.response_body);
      await page.keyboard.press("Escape");

      // Live: more traffic shows up without reloading the page.
      await fetch(`${proxy.v1}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEAM}` },
        body: JSON.stringify({ model: "mini", messages: [{ role: "user", content: "later" }] }),
      }).then((r) => r.text());
      await page.waitForFunction(`document.querySelectorAll("#requests tbody tr").length === 7`);

      await page.click("#reload");
      await page.waitForFunction(
        `document.querySelector("#reload-result")?.textContent === "reloaded"`,
      );

      await page.screenshot({ path: new URL("../docs/dashboard.png", import.meta.url).pathname });
      const html = await page.content();
      const sent = (await Promise.all(bodies)).join("\n");
      for (const secret of [ADMIN, TEAM, PROVIDER_KEY]) {
        assert(!html.includes(secret), `${secret} in the page`);
        assert(!sent.includes(secret), `${secret} in a response to the page`);
      }
      assertEquals(elsewhere, []);
      assertEquals(problems, []);
    } finally {
      await browser.close();
    }
  },
});
