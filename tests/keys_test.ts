/**
 * Virtual keys (SPEC §11) through real HTTP and the official SDKs: every
 * refusal in each API's own format, windows that slide on an injected
 * clock, tokens and spend charged exactly from the upstream's usage
 * (streamed = not streamed), slots given back however a request ends,
 * counts that hold under concurrent load — counted at the mock upstream.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { manualClock, startProxy, type TestProxy } from "./support/proxy.ts";
import { chunkedBody, fakeUpstream, gate, type Received } from "./support/upstream.ts";
import {
  anthropicEvents,
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "./support/wire.ts";

type Json = Record<string, unknown>;
type ApiError = InstanceType<typeof OpenAI.APIError>;

/** Every answer reports 100 prompt + 50 completion tokens, whatever the API. */
const USAGE = { input: 100, output: 50 };
/** $10 per million input tokens, $20 per million output: 0.002 USD per answer. */
const PRICE = { input_per_mtok: 10, output_per_mtok: 20 };
const COST = 0.002;

/** An upstream for both APIs with USAGE on every answer, streamed or not. */
function upstream(onRequest: (r: Received) => void | Promise<void> = () => {}) {
  return fakeUpstream(async (r) => {
    await onRequest(r);
    const anthropic = r.path.startsWith("/v1/messages");
    if (r.json.stream) {
      return sseResponse(
        (anthropic
          ? anthropicEvents(["Hi ", "there"], USAGE)
          : openAIChatEvents(["Hi ", "there"], USAGE)).join(""),
      );
    }
    return jsonResponse(
      anthropic ? anthropicJSON("Hi there", USAGE) : openAIChatJSON("Hi there", USAGE),
    );
  });
}

const SECRETS = {
  admin: "sk-admin-000000000000000001",
  team: "sy-team00000000000000000000000000000000001",
  capped: "sy-capped000000000000000000000000000000001",
  old: "sy-expired00000000000000000000000000000001",
};

function config(url: string, keys: Json[], extra: Json = {}) {
  return {
    server: { api_keys: [SECRETS.admin] },
    providers: {
      oa: { type: "openai", base_url: url, price: PRICE, retry: { attempts: 1 } },
      an: { type: "anthropic", base_url: url, price: PRICE, retry: { attempts: 1 } },
    },
    models: { "gpt-4o": ["oa/gpt-4o"], "gpt-mini": ["oa/gpt-mini"], "claude-x": ["an/claude-x"] },
    keys,
    ...extra,
  };
}

const openai = (proxy: TestProxy, key: string) =>
  new OpenAI({ baseURL: proxy.v1, apiKey: key, maxRetries: 0 });
const claude = (proxy: TestProxy, key: string) =>
  new Anthropic({ baseURL: proxy.url, apiKey: key, maxRetries: 0 });
const ask = [{ role: "user" as const, content: "hello" }];

/** Sends one request of `api` and returns the error it got, or null. */
async function tryApi(
  proxy: TestProxy,
  key: string,
  api: "chat" | "messages" | "responses",
  model: string,
) {
  try {
    if (api === "chat") await openai(proxy, key).chat.completions.create({ model, messages: ask });
    else if (api === "responses") {
      await openai(proxy, key).responses.create({ model, input: "hello" });
    } else await claude(proxy, key).messages.create({ model, max_tokens: 10, messages: ask });
    return null;
  } catch (err) {
    return err as ApiError;
  }
}

Deno.test("refusals in each API's own format, in SPEC order, reaching no upstream: 401, 403, 402, 429", async () => {
  const clock = manualClock();
  await using up = upstream();
  await using proxy = startProxy(
    config(up.url, [
      { name: "team", key: SECRETS.team, models: ["gpt-*"], rpm: 1 },
      { name: "capped", key: SECRETS.capped, budget: { usd: 0.001, period: "month" } },
      { name: "old", key: SECRETS.old, expires: "2026-01-01T00:00:00Z" },
    ]),
    {},
    { clock: clock.now },
  );
  for (const api of ["chat", "messages", "responses"] as const) {
    const model = api === "messages" ? "claude-x" : "gpt-4o";
    for (const key of ["sy-nobody", SECRETS.old]) {
      const err = await tryApi(proxy, key, api, model);
      assertEquals(err?.status, 401, `${api}: ${err?.message}`);
    }
    const forbidden = await tryApi(proxy, SECRETS.team, api, "claude-x");
    assertEquals(forbidden?.status, 403);
    assertMatch(
      String(forbidden?.message),
      /key 'team' may not call model 'claude-x'; it may call: gpt-\*/,
    );
    const body = forbidden!.error as Json;
    if (api === "messages") assertEquals((body.error as Json).type, "permission_error");
    else {assertEquals([
        forbidden instanceof OpenAI.APIError && forbidden.code,
        (forbidden as ApiError).type,
      ], ["model_not_allowed", "permission_error"]);}
  }
  // The budget: the first answer spends 0.002 of 0.001; the next is refused until the month ends.
  assertEquals(await tryApi(proxy, SECRETS.capped, "chat", "gpt-4o"), null);
  for (const api of ["chat", "messages", "responses"] as const) {
    const err = await tryApi(
      proxy,
      SECRETS.capped,
      api,
      api === "messages" ? "claude-x" : "gpt-4o",
    );
    assertEquals(err?.status, 402);
    assertMatch(
      String(err?.message),
      /key 'capped' has spent its budget of \$0\.001 this month; it resets at 2027-01-01T00:00:00Z/,
    );
    const type = api === "messages"
      ? ((err!.error as Json).error as Json).type
      : (err as ApiError).type;
    assertEquals(type, "billing_error");
  }
  // The rate: one a minute, the second refused with when to come back.
  assertEquals(await tryApi(proxy, SECRETS.team, "chat", "gpt-4o"), null);
  clock.advance(15_000);
  for (const api of ["chat", "responses"] as const) {
    const err = await tryApi(proxy, SECRETS.team, api, "gpt-mini") as ApiError;
    assertEquals([err.status, err.code, err.type], [
      429,
      "rate_limit_exceeded",
      "rate_limit_error",
    ]);
    assertEquals(err.headers?.get("retry-after"), "45");
    assertMatch(err.message, /over its rpm limit \(1 requests per minute\)/);
  }
  const raw = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: {
      "x-api-key": SECRETS.team,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    },
    body: JSON.stringify({ model: "gpt-4o", max_tokens: 5, messages: ask }),
  });
  assertEquals([raw.status, raw.headers.get("retry-after")], [429, "45"]);
  assertEquals((await raw.json()).error.type, "rate_limit_error");
  assertEquals(up.received.length, 2, "only the two admitted requests reached the upstream");
  // A minute after the admitted one the window has room again.
  clock.advance(45_000);
  assertEquals(await tryApi(proxy, SECRETS.team, "chat", "gpt-4o"), null);
});

Deno.test("tpm and budget charged exactly from the upstream's usage: streamed = not streamed, translated, companions too", async () => {
  const clock = manualClock();
  await using up = upstream();
  await using proxy = startProxy(
    config(up.url, [{
      name: "team",
      key: SECRETS.team,
      tpm: 1000,
      budget: { usd: 1, period: "day" },
    }], {
      models: { "gpt-4o": ["oa/gpt-4o"], "claude-x": ["an/claude-x"], fixer: ["oa/fixer"] },
      splitter: { models: ["claude-x"], model: "fixer" },
    }),
    {},
    { clock: clock.now },
  );
  const ai = openai(proxy, SECRETS.team);
  await ai.chat.completions.create({ model: "gpt-4o", messages: ask });
  await ai.chat.completions.stream({ model: "gpt-4o", messages: ask }).finalChatCompletion();
  // OpenAI client, Anthropic upstream: translated, both ways.
  await ai.chat.completions.create({ model: "claude-x", messages: ask, stream: false });
  await claude(proxy, SECRETS.team).messages.stream({
    model: "claude-x",
    max_tokens: 10,
    messages: ask,
  }).finalMessage();
  await proxy.rt.recorder.flush();
  const report = await (await fetch(`${proxy.url}/admin/keys/team`, {
    headers: { authorization: `Bearer ${SECRETS.admin}` },
  })).json();
  // Four answers and the two companions of the claude-x requests: 6 × 150 tokens, 6 × $0.002.
  assertEquals(report.usage.tokens, 6 * 150);
  assertEquals(Math.round(report.spend_usd * 1e9), Math.round(6 * COST * 1e9));
  assertEquals(report.usage.requests, 4, "companions ride on their request's admission");
  // 900 tokens in the window: one more request is admitted (900 < 1000), then the window is full.
  await ai.chat.completions.create({ model: "gpt-4o", messages: ask });
  await proxy.rt.recorder.flush();
  const full = await tryApi(proxy, SECRETS.team, "chat", "gpt-4o") as ApiError;
  assertEquals(full.status, 429);
  assertMatch(full.message, /tpm limit \(1000 tokens per minute\)/);
  assertEquals(full.headers?.get("retry-after"), "60");
  clock.advance(60_001);
  assertEquals(await tryApi(proxy, SECRETS.team, "chat", "gpt-4o"), null);
});

Deno.test("max_parallel: a slot is taken for the whole answer and given back however it ends", async () => {
  const hold = gate();
  const modes: Record<string, (r: Received) => Response | Promise<Response>> = {
    ok: () => jsonResponse(openAIChatJSON("fine")),
    down: () => jsonResponse('{"error":{"message":"down"}}', 500),
    silent: () => new Promise<Response>(() => {}),
    // Headers and one chunk, then the connection drops.
    cut: () => {
      let sent = false;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (!sent) {
              return void (sent = true,
                c.enqueue(new TextEncoder().encode(openAIChatEvents(["part"])[0])));
            }
            await new Promise((r) => setTimeout(r, 20));
            c.error(new Error("the upstream went away"));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
    held: () =>
      sseResponse(
        chunkedBody([
          ...openAIChatEvents(["a"]).slice(0, 2),
          { gate: hold.promise },
          "data: [DONE]\n\n",
        ]),
      ),
    stream: () => sseResponse(openAIChatEvents(["fine"]).join("")),
  };
  await using up = fakeUpstream((r) => modes[String(r.json.user)](r));
  await using proxy = startProxy({
    ...config(up.url, [{ name: "team", key: SECRETS.team, max_parallel: 1 }]),
    providers: {
      oa: { type: "openai", base_url: up.url, retry: { attempts: 1 }, first_byte_timeout_s: 0.2 },
      an: { type: "anthropic", base_url: up.url },
    },
  });
  const post = (user: string, stream = false, signal?: AbortSignal) =>
    fetch(`${proxy.v1}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRETS.team}` },
      body: JSON.stringify({ model: "gpt-4o", messages: ask, user, stream }),
      signal,
    });
  const slotFree = async () => {
    const r = await post("ok");
    assertEquals(r.status, 200, await r.text());
  };
  // Success, upstream error, timeout, a stream cut mid-way, a stream to its end.
  for (
    const [user, stream, status] of [
      ["ok", false, 200],
      ["down", false, 502],
      ["silent", false, 504],
      ["cut", true, 200],
      ["stream", true, 200],
    ] as const
  ) {
    const r = await post(user, stream);
    assertEquals(r.status, status, user);
    await r.text();
    await slotFree();
  }
  // In flight: a second request is refused with Retry-After 1; once its client leaves, the slot is back.
  const client = new AbortController();
  const held = await post("held", true, client.signal);
  const reader = held.body!.getReader();
  await reader.read();
  const busy = await post("ok");
  assertEquals([busy.status, busy.headers.get("retry-after")], [429, "1"]);
  assertMatch((await busy.json()).error.message, /max_parallel limit \(1 requests at once\)/);
  const ended = proxy.nextRecord();
  client.abort();
  await reader.cancel().catch(() => {});
  await ended;
  await slotFree();
  hold.open();
});

Deno.test("under concurrent load the counts are exact: rpm and max_parallel, counted at the upstream", async () => {
  let open = 0;
  let most = 0;
  await using up = upstream(async () => {
    most = Math.max(most, ++open);
    await new Promise((r) => setTimeout(r, 20));
    open--;
  });
  await using proxy = startProxy(config(up.url, [
    { name: "team", key: SECRETS.team, rpm: 25 },
    { name: "capped", key: SECRETS.capped, max_parallel: 3 },
  ]));
  const fire = (key: string, n: number) =>
    Promise.all(Array.from({ length: n }, () =>
      fetch(`${proxy.v1}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "gpt-4o", messages: ask }),
      }).then(async (r) => (await r.text(), r.status))));
  const statuses = await fire(SECRETS.team, 60);
  assertEquals(statuses.filter((s) => s === 200).length, 25);
  assertEquals(statuses.filter((s) => s === 429).length, 35);
  assertEquals(up.received.length, 25);
  most = 0;
  const parallel = await fire(SECRETS.capped, 40);
  assert(most <= 3, `at most 3 at once at the upstream, saw ${most}`);
  assertEquals(
    parallel.filter((s) => s === 200).length + parallel.filter((s) => s === 429).length,
    40,
  );
  assertEquals(up.received.length, 25 + parallel.filter((s) => s === 200).length);
});

Deno.test("answers to a limited key carry its x-ratelimit-* headers, not the provider account's", async () => {
  const clock = manualClock();
  await using up = fakeUpstream(() =>
    jsonResponse(openAIChatJSON("hi", USAGE), 200, {
      "x-ratelimit-limit-requests": "10000",
      "x-ratelimit-remaining-requests": "9999",
      "x-ratelimit-reset-tokens": "1ms",
    })
  );
  await using proxy = startProxy(
    config(up.url, [{ name: "team", key: SECRETS.team, rpm: 5, tpm: 10000 }]),
    {},
    { clock: clock.now },
  );
  const first = await openai(proxy, SECRETS.team).chat.completions.create({
    model: "gpt-4o",
    messages: ask,
  }).withResponse();
  const h = first.response.headers;
  assertEquals(
    [
      "limit-requests",
      "remaining-requests",
      "reset-requests",
      "limit-tokens",
      "remaining-tokens",
      "reset-tokens",
    ]
      .map((n) => h.get(`x-ratelimit-${n}`)),
    ["5", "4", "1m0s", "10000", "10000", "0s"],
  );
  await proxy.rt.recorder.flush();
  clock.advance(20_000);
  const second = await openai(proxy, SECRETS.team).chat.completions.create({
    model: "gpt-4o",
    messages: ask,
  }).withResponse();
  assertEquals(
    ["remaining-requests", "reset-requests", "remaining-tokens", "reset-tokens"].map((n) =>
      second.response.headers.get(`x-ratelimit-${n}`)
    ),
    ["3", "40s", "9850", "40s"],
  );
  // The admin key has no key limits: the provider's headers pass as they came.
  const admin = await openai(proxy, SECRETS.admin).chat.completions.create({
    model: "gpt-4o",
    messages: ask,
  }).withResponse();
  assertEquals(admin.response.headers.get("x-ratelimit-remaining-requests"), "9999");
});

Deno.test("seeing keys: /admin/keys (admin only, never a secret), /v1/models per key, key and key_metadata on log lines, key labels in /metrics", async () => {
  await using up = upstream();
  await using proxy = startProxy({
    ...config(up.url, [
      {
        name: "team",
        key: SECRETS.team,
        models: ["gpt-*"],
        rpm: 100,
        budget: { usd: 5, period: "week" },
        metadata: { team: "search" },
        expires: "2030-01-01T00:00:00Z",
      },
      { name: "capped", key_sha256: await sha256(SECRETS.capped) },
    ]),
    log: { dir: "" },
  });
  await openai(proxy, SECRETS.team).chat.completions.create({ model: "gpt-4o", messages: ask });
  await openai(proxy, SECRETS.capped).chat.completions.create({ model: "claude-x", messages: ask });
  await proxy.rt.recorder.flush();
  const adminGet = (path: string, key = SECRETS.admin) =>
    fetch(`${proxy.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const listed = await (await adminGet("/admin/keys")).text();
  for (const secret of Object.values(SECRETS)) {
    assert(!listed.includes(secret), "no secret in /admin");
  }
  const team = JSON.parse(listed).keys.find((k: Json) => k.name === "team");
  assertEquals(team.limits, {
    models: ["gpt-*"],
    rpm: 100,
    tpm: null,
    max_parallel: null,
    budget: { usd: 5, period: "week" },
    expires: "2030-01-01T00:00:00Z",
  });
  assertEquals(team.usage, { requests: 1, tokens: 150, in_flight: 0 });
  assertEquals([team.spend_usd, team.metadata], [COST, { team: "search" }]);
  assertEquals(Math.round(team.budget_left_usd * 1e6), Math.round((5 - COST) * 1e6));
  assertMatch(team.resets_at, /^\d{4}-\d\d-\d\dT00:00:00Z$/);
  assertEquals(new Date(team.resets_at).getUTCDay(), 1, "weeks start on Monday");
  assertEquals((await adminGet("/admin/keys/team", SECRETS.team)).status, 403);
  assertEquals((await adminGet("/admin/keys/nobody")).status, 404);
  assertEquals((await adminGet("/metrics", SECRETS.team)).status, 403);

  const models = await openai(proxy, SECRETS.team).models.list();
  assertEquals(models.data.map((m) => m.id).sort(), ["gpt-4o", "gpt-mini"]);

  const lines = proxy.records.filter((r) => r.route === "/v1/chat/completions");
  assertEquals(lines.map((r) => [r.key, r.key_metadata]), [["team", { team: "search" }], [
    "capped",
    {},
  ]]);
  const metrics = await (await adminGet("/metrics")).text();
  assertMatch(
    metrics,
    /switchyard_requests_total\{route="\/v1\/chat\/completions",model="gpt-4o",provider="oa",status_class="2xx",key="team"\} 1/,
  );
  assertMatch(metrics, /switchyard_key_spend_usd\{key="team"\} 0\.002/);
  assertMatch(metrics, /switchyard_key_budget_usd\{key="team"\} 5/);
  for (const secret of Object.values(SECRETS)) {
    assert(!metrics.includes(secret), "no secret in /metrics");
  }
});

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
