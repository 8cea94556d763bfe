/**
 * State shared through a real redis-server (SPEC §12): several proxies — in
 * this process, or as processes of their own — on one Redis hold every limit
 * exactly, counted at the mock upstream; cooldowns and cached answers are
 * seen by all; prefixes keep deployments apart; an outage is served (open)
 * or refused (closed) and no charge made meanwhile is lost.
 */
import Anthropic from "@anthropic-ai/sdk";
import { stringify } from "yaml";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { serve, tempDir } from "../support/cli.ts";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";
import { fakeUpstream, gate, type Received } from "../support/upstream.ts";
import { jsonResponse, openAIChatJSON } from "../support/wire.ts";

type Json = Record<string, unknown>;

const ADMIN = "sk-admin-000000000000000001";
const TEAM = "sy-team00000000000000000000000000000000001";
const FREE = "sy-free00000000000000000000000000000000001";
const BULK = "sy-bulk00000000000000000000000000000000001";
/** $10 / $20 per million tokens, 100 + 50 tokens an answer: 0.002 USD each. */
const PRICE = { input_per_mtok: 10, output_per_mtok: 20 };
const COST = 0.002;

/** Chat answers with 150 tokens; `hold` runs before each answer (counted at `open`/`most`). */
function upstream(hold: (r: Received) => Promise<void> | void = () => {}) {
  const seen = { open: 0, most: 0 };
  const up = fakeUpstream(async (r) => {
    seen.most = Math.max(seen.most, ++seen.open);
    try {
      await hold(r);
    } finally {
      seen.open--;
    }
    if (r.json.model === "broken") {
      return jsonResponse(JSON.stringify({ error: { message: "down" } }), 500);
    }
    return jsonResponse(openAIChatJSON("Hi there", { input: 100, output: 50 }));
  });
  return Object.assign(up, { seen });
}

function config(
  redis: TestRedis,
  prefix: string,
  url: string,
  keys: Json[],
  { state, ...extra }: Json = {},
) {
  return {
    server: { api_keys: [ADMIN] },
    // Generous: under a loaded test machine a slow answer would count as an outage (served per
    // process, on_error: open) — the outage tests set their own.
    state: { url: redis.url, prefix, timeout_ms: 2000, ...state as Json },
    providers: { oa: { type: "openai", base_url: url, price: PRICE, retry: { attempts: 1 } } },
    models: { "gpt-4o": ["oa/gpt-4o"] },
    keys,
    ...extra,
  };
}

async function proxies(n: number, cfg: Json): Promise<TestProxy[]> {
  const all = Array.from({ length: n }, () => startProxy(cfg));
  await Promise.all(all.map((p) => p.rt.state.ready()));
  return all;
}

const chat = (base: string, key: string, content = "hello") =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

/** `n` requests at once, spread over `bases` in turn. */
const fire = (bases: string[], key: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => chat(bases[i % bases.length], key)));

const count = (answers: { status: number }[], status: number) =>
  answers.filter((a) => a.status === status).length;

async function report(base: string, name: string) {
  const r = await fetch(`${base}/admin/keys/${name}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return await r.json();
}

/** Waits until `test` holds, polling (what it waits on is a write off the request's path). */
async function until(what: string, test: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!await test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const closeAll = (ps: TestProxy[]) => Promise.all(ps.map((p) => p[Symbol.asyncDispose]()));

Deno.test("three proxies on one Redis: rpm and max_parallel hold in total under concurrent load, counted at the upstream", async () => {
  await using redis = await startRedis();
  await using up = upstream(() => new Promise((r) => setTimeout(r, 15)));
  const ps = await proxies(
    3,
    config(redis, redis.prefix(), up.url, [
      { name: "team", key: TEAM, rpm: 100 },
      { name: "free", key: FREE, max_parallel: 4 },
    ]),
  );
  try {
    const bases = ps.map((p) => p.url);
    const answers = await fire(bases, TEAM, 300);
    assertEquals(count(answers, 200), 100);
    assertEquals(count(answers, 429), 200);
    assertEquals(up.received.length, 100);
    up.seen.most = 0;
    const parallel = await fire(bases, FREE, 120);
    assert(up.seen.most <= 4, `at most 4 at once at the upstream, saw ${up.seen.most}`);
    assert(count(parallel, 429) > 0, "some refused for max_parallel");
    assertEquals(count(parallel, 200) + count(parallel, 429), 120);
    assertEquals(up.received.length, 100 + count(parallel, 200));
    // Every slot given back (written behind the answers): nothing in flight anywhere.
    await until(
      "every slot back",
      async () => (await report(bases[2], "free")).usage.in_flight === 0,
    );
  } finally {
    await closeAll(ps);
  }
});

Deno.test("three proxies on one Redis: tokens and spend are charged once each, and a budget or tpm spent through one is spent for all", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const ps = await proxies(
    3,
    config(redis, redis.prefix(), up.url, [
      { name: "team", key: TEAM, tpm: 1500 },
      { name: "free", key: FREE, budget: { usd: 0.02, period: "month" } },
      { name: "bulk", key: BULK, budget: { usd: 100, period: "day" } },
    ]),
  );
  try {
    const bases = ps.map((p) => p.url);
    // 200 answers at once through three instances: every charge lands, none twice.
    assertEquals(count(await fire(bases, BULK, 200), 200), 200);
    await until("200 charges", async () => {
      const r = await report(bases[0], "bulk");
      return Math.abs(r.spend_usd - 200 * COST) < 1e-9 && r.usage.tokens === 200 * 150;
    });
    for (
      const [name, key, limit, status] of [
        ["team", TEAM, "tpm", 429],
        ["free", FREE, "budget", 402],
      ] as const
    ) {
      for (let i = 0; i < 10; i++) assertEquals((await chat(bases[i % 3], key)).status, 200);
      await until(`${name}'s charges`, async () => {
        const r = await report(bases[1], name);
        return r.usage.tokens === 1500 && Math.abs(r.spend_usd - 10 * COST) < 1e-9;
      });
      for (const base of bases) {
        const refused = await chat(base, key);
        assertEquals(refused.status, status, `${name} on ${base}`);
        assertMatch(JSON.stringify(refused.body), new RegExp(limit));
      }
    }
    assertEquals(up.received.length, 220);
  } finally {
    await closeAll(ps);
  }
});

Deno.test("a cooldown started on one proxy is skipped by the others; an answer cached by one is served by all", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const cfg = {
    ...config(redis, redis.prefix(), up.url, []),
    models: { "gpt-4o": ["oa/broken", "oa/gpt-4o"], cached: ["oa/gpt-4o"] },
    routing: { cooldown: { failures: 1, seconds: 60 } },
    cache: { ttl_s: 60, store: "state" },
  };
  const [a, b] = await proxies(2, cfg);
  try {
    assertEquals((await chat(a.url, ADMIN)).status, 200);
    assertEquals(up.received.map((r) => r.json.model), ["broken", "gpt-4o"]);
    await until("the shared cooldown", async () => {
      const ready = await fetch(`${b.url}/health/ready`).then((r) => r.json());
      return ready.cooldown.some((c: { deployment: string }) => c.deployment === "oa/broken");
    });
    assertEquals((await chat(b.url, ADMIN, "not cached")).status, 200);
    assertEquals(up.received.map((r) => r.json.model), ["broken", "gpt-4o", "gpt-4o"]);

    const cachedAt = (base: string) =>
      fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ model: "cached", messages: [{ role: "user", content: "once" }] }),
      }).then(async (r) => (await r.text(), r.headers.get("x-switchyard-cache")));
    assertEquals(await cachedAt(a.url), null);
    assertEquals(await cachedAt(b.url), "hit");
    assertEquals(up.received.length, 4);
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("two prefixes on one Redis share nothing", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const keys = [{ name: "team", key: TEAM, rpm: 2 }];
  const [a] = await proxies(1, config(redis, "one:", up.url, keys));
  const [b] = await proxies(1, config(redis, "two:", up.url, keys));
  try {
    assertEquals(count(await fire([a.url], TEAM, 4), 200), 2);
    assertEquals(count(await fire([b.url], TEAM, 4), 200), 2);
    assertEquals(up.received.length, 4);
    const stored = (await redis.cli("KEYS", "*")).split("\n").sort();
    assert(stored.length > 0 && stored.every((k) => /^(one|two):/.test(k)), stored.join(" "));
  } finally {
    await closeAll([a, b]);
  }
});

Deno.test("Redis stopped mid-load, on_error open: still served, counted here, every charge written once it is back", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const prefix = redis.prefix();
  const [p] = await proxies(
    1,
    config(redis, prefix, up.url, [
      { name: "bulk", key: BULK, budget: { usd: 100, period: "day" } },
      { name: "team", key: TEAM, rpm: 15 },
    ], { state: { timeout_ms: 100 } }),
  );
  try {
    const spent = async () => (await report(p.url, "bulk")).spend_usd;
    const metric = async (name: string) => {
      const text = await fetch(`${p.url}/metrics`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      }).then((r) => r.text());
      return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1]);
    };
    assertEquals(count(await fire([p.url], BULK, 20), 200), 20);
    await until("the first charges", async () => Math.abs(await spent() - 20 * COST) < 1e-9);
    // Paused, not gone: what was sent is answered when it wakes — a charge that timed out but
    // landed must not be written twice.
    await redis.pause();
    assertEquals(count(await fire([p.url], BULK, 20), 200), 20);
    // While down this process counts the key's rpm itself.
    assertEquals(count(await fire([p.url], TEAM, 20), 200), 15);
    await redis.resume();
    assert(await metric("switchyard_state_pending_charges") > 0, "charges kept back");
    await until(
      "every kept charge written",
      async () => await metric("switchyard_state_pending_charges") === 0,
    );
    assert(Math.abs(await spent() - 40 * COST) < 1e-9, `spent ${await spent()}`);
    assert(await metric("switchyard_state_errors_total") > 0, "state errors counted");
    assertEquals(p.said.filter((l) => /state store/.test(l)).length, 1, "said once a minute");
  } finally {
    await closeAll([p]);
  }
});

Deno.test("Redis killed and started again empty: closed refuses limited keys in each API's format and serves the rest; open writes the outage's charges to it", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const keys = [
    { name: "team", key: TEAM, rpm: 100 },
    { name: "free", key: FREE },
    { name: "bulk", key: BULK, budget: { usd: 100, period: "day" } },
  ];
  const [closed] = await proxies(
    1,
    config(redis, redis.prefix(), up.url, keys, { state: { on_error: "closed" } }),
  );
  const [open] = await proxies(1, config(redis, redis.prefix(), up.url, keys));
  try {
    await redis.stop();
    const refused = await chat(closed.url, TEAM);
    assertEquals(refused.status, 503);
    assertEquals(refused.body.error.code, "state_unavailable");
    try {
      await new Anthropic({ baseURL: closed.url, apiKey: TEAM, maxRetries: 0 }).messages.create({
        model: "gpt-4o",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      });
      throw new Error("admitted while the store was down");
    } catch (err) {
      const e = err as InstanceType<typeof Anthropic.APIError>;
      assertEquals(
        [e.status, (e.error as Json)?.error && (e.error as { error: Json }).error.type],
        [
          503,
          "api_error",
        ],
      );
    }
    assertEquals((await chat(closed.url, FREE)).status, 200);
    assertEquals((await chat(closed.url, ADMIN)).status, 200);
    const served = up.received.length;

    assertEquals(count(await fire([open.url], BULK, 20), 200), 20);
    assertEquals(up.received.length, served + 20);
    await redis.restart();
    await until("the closed proxy back", async () => (await chat(closed.url, TEAM)).status === 200);
    await until(
      "the outage's charges",
      async () => Math.abs((await report(open.url, "bulk")).spend_usd - 20 * COST) < 1e-9,
    );
  } finally {
    await closeAll([closed, open]);
  }
});

/** A config file for proxy processes: the same Redis, the same prefix. */
async function configFile(cfg: Json): Promise<string> {
  const dir = await tempDir({ "switchyard.yaml": stringify(cfg) });
  return `${dir}/switchyard.yaml`;
}

Deno.test("three proxy processes on one Redis hold rpm exactly under 300 requests at once", async () => {
  await using redis = await startRedis();
  await using up = upstream();
  const file = await configFile(
    config(redis, redis.prefix(), up.url, [{ name: "team", key: TEAM, rpm: 100 }]),
  );
  const ps = await Promise.all([0, 1, 2].map(() => serve(["--config", file])));
  try {
    const answers = await fire(ps.map((p) => p.url), TEAM, 300);
    assertEquals([count(answers, 200), count(answers, 429)], [100, 200]);
    assertEquals(up.received.length, 100);
  } finally {
    for (const p of ps) p.child.kill("SIGTERM");
    for (const p of ps) assertEquals((await p.child.status).code, 0, await p.output());
  }
});

Deno.test("server.workers: 2 on one port share the Redis limits, and SIGTERM drains both", async () => {
  await using redis = await startRedis();
  await using up = upstream(() => new Promise((r) => setTimeout(r, 5)));
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const cfg = config(redis, redis.prefix(), up.url, [{ name: "team", key: TEAM, rpm: 60 }]);
  const file = await configFile({ ...cfg, server: { ...cfg.server as Json, workers: 2, port } });
  const supervisor = await serve(["--config", file, "--port", String(port)]);
  try {
    await supervisor.said(/listening on/, 2);
    const answers = await fire([`http://127.0.0.1:${port}`], TEAM, 150);
    assertEquals([count(answers, 200), count(answers, 429)], [60, 90]);
    assertEquals(up.received.length, 60);
    // A worker that dies is started again, and said so.
    const pids = await new Deno.Command("pgrep", { args: ["-P", String(supervisor.child.pid)] })
      .output();
    const [first] = new TextDecoder().decode(pids.stdout).trim().split("\n");
    Deno.kill(Number(first), "SIGKILL");
    await supervisor.said(/worker \d exited \(SIGKILL\); starting it again/);
    await supervisor.said(/listening on/, 3);
  } finally {
    supervisor.child.kill("SIGTERM");
    const code = (await supervisor.child.status).code;
    assertEquals(code, 0, await supervisor.output());
    assertMatch(await supervisor.output(), /draining 2 workers[^]*stopped\n$/);
  }
});

Deno.test("least_busy on one Redis: a deployment busy on one proxy is passed over by the other", async () => {
  await using redis = await startRedis();
  const held = gate();
  await using up = upstream((r) =>
    JSON.stringify(r.json).includes("hold") ? held.promise : undefined
  );
  const cfg = {
    ...config(redis, redis.prefix(), up.url, []),
    models: { "gpt-4o": ["oa/a", "oa/b"], "only-a": ["oa/a"] },
    routing: { strategy: "least_busy" },
  };
  const [one, two] = await proxies(2, cfg);
  const holding = Array.from({ length: 3 }, () =>
    fetch(`${one.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ model: "only-a", messages: [{ role: "user", content: "hold" }] }),
    }).then((r) => r.text()));
  try {
    await until("three held at a", () => Promise.resolve(up.seen.open === 3));
    // Without one's counts, two would pick a or b at random; with them, b while a is busy.
    const picked = async () => {
      await chat(two.url, ADMIN, `probe ${up.received.length}`);
      return up.received.at(-1)!.json.model;
    };
    const tenInARow = async () => {
      for (let i = 0; i < 10; i++) if (await picked() !== "b") return false;
      return true;
    };
    await until("one's counts seen by two", tenInARow);
    for (let i = 0; i < 20; i++) assertEquals(await picked(), "b");
  } finally {
    held.open();
    await Promise.all(holding);
    await closeAll([one, two]);
  }
});
