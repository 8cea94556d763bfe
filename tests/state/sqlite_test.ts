/**
 * `state.url: sqlite:PATH` (SPEC §12): one instance restarted at will keeps
 * its keys' spend (so a spent budget stays spent), its cooldowns and, with
 * `cache.store: state`, its cached answers.
 */
import { assertEquals } from "../support/assert.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { jsonResponse, openAIChatJSON } from "../support/wire.ts";

const ADMIN = "sk-admin-000000000000000001";
const TEAM = "sy-team00000000000000000000000000000000001";

Deno.test("sqlite: spend, a spent budget, cooldowns and cached answers survive a restart", async () => {
  const dir = await Deno.makeTempDir();
  await using up = fakeUpstream((r) =>
    r.json.model === "broken"
      ? jsonResponse(JSON.stringify({ error: { message: "down" } }), 500)
      : jsonResponse(openAIChatJSON("Hi", { input: 100, output: 50 }))
  );
  const config = {
    server: { api_keys: [ADMIN] },
    state: { url: `sqlite:${dir}/state.db` },
    cache: { ttl_s: 600, store: "state" },
    providers: {
      oa: {
        type: "openai",
        base_url: up.url,
        price: { input_per_mtok: 10, output_per_mtok: 20 },
        retry: { attempts: 1 },
      },
    },
    models: { "gpt-4o": ["oa/broken", "oa/gpt-4o"] },
    routing: { cooldown: { failures: 1, seconds: 600 } },
    keys: [{ name: "team", key: TEAM, budget: { usd: 0.004, period: "month" } }],
  };
  const chat = (base: string, key: string, content: string) =>
    fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }),
    }).then(async (r) => ({
      status: r.status,
      cache: r.headers.get("x-switchyard-cache"),
      body: await r.text(),
    }));
  const spend = (base: string) =>
    fetch(`${base}/admin/keys/team`, { headers: { authorization: `Bearer ${ADMIN}` } })
      .then((r) => r.json()).then((r) => r.spend_usd);

  {
    await using first = startProxy(config);
    assertEquals((await chat(first.url, TEAM, "one")).status, 200);
    assertEquals((await chat(first.url, TEAM, "two")).status, 200);
    assertEquals((await chat(first.url, TEAM, "three")).status, 402);
    assertEquals((await chat(first.url, ADMIN, "cached")).cache, null);
    assertEquals(await spend(first.url), 0.004);
  }
  assertEquals(up.received.map((r) => r.json.model), ["broken", "gpt-4o", "gpt-4o", "gpt-4o"]);

  await using second = startProxy(config);
  assertEquals(await spend(second.url), 0.004);
  assertEquals((await chat(second.url, TEAM, "four")).status, 402);
  const ready = await fetch(`${second.url}/health/ready`).then((r) => r.json());
  assertEquals(ready.cooldown.map((c: { deployment: string }) => c.deployment), ["oa/broken"]);
  assertEquals((await chat(second.url, ADMIN, "cached")).cache, "hit");
  assertEquals(up.received.length, 4);
  await Deno.remove(dir, { recursive: true });
});
