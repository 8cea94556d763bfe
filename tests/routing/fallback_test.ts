import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy } from "../support/proxy.ts";
import { rawUpstream, write } from "../support/raw_http.ts";
import { chunkedBody, fakeUpstream, gate } from "../support/upstream.ts";
import {
  anthropicEvents,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "../support/wire.ts";

const FAST_RETRY = { attempts: 1, backoff_ms: 1, max_backoff_ms: 50 };
const SECRET = "sk-first-upstream-secret-abcdef123456";

/** Answers with `statuses` in turn, then with a chat completion saying `text`. */
function scripted(statuses: number[], text = "ok", headers: Record<string, string> = {}) {
  let n = 0;
  return fakeUpstream(() => {
    const status = statuses[n++];
    if (status === undefined) return jsonResponse(openAIChatJSON(text));
    return jsonResponse(
      JSON.stringify({ error: { message: `failing with ${status}` } }),
      status,
      headers,
    );
  });
}

function twoDeployments(
  first: string,
  second: string,
  extra: Record<string, unknown> = {},
  retry: Record<string, unknown> = FAST_RETRY,
) {
  return {
    providers: {
      first: { type: "openai", base_url: first, api_key: SECRET, retry, ...extra },
      second: { type: "openai", base_url: second, api_key: "sk-second", retry },
    },
    models: { m: ["first/a", "second/b"] },
  };
}

const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }], ...extra });

async function chat(url: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    body: chatBody(extra),
    headers: { "content-type": "application/json" },
  });
  return {
    status: res.status,
    provider: res.headers.get("x-switchyard-provider"),
    text: await res.text(),
  };
}

Deno.test("500 then the next deployment answers; 401 falls back too", async () => {
  for (const status of [500, 401, 503, 429]) {
    await using a = scripted([status]);
    await using b = scripted([], "from b");
    await using proxy = startProxy(twoDeployments(a.url, b.url));
    const r = await chat(proxy.url);
    assertEquals([r.status, r.provider], [200, "second"], `after ${status}`);
    assertMatch(r.text, /from b/);
    assertEquals(a.received.length, 1);
    assertEquals(b.last().json.model, "b");
  }
});

Deno.test("a 4xx not in fallback_on goes back at once, untouched, with no retry", async () => {
  await using a = scripted([400, 400]);
  await using b = scripted([]);
  await using proxy = startProxy(twoDeployments(a.url, b.url, {}, { attempts: 3, backoff_ms: 1 }));
  const r = await chat(proxy.url);
  assertEquals(r.status, 400);
  assertEquals(JSON.parse(r.text), { error: { message: "failing with 400" } });
  assertEquals([a.received.length, b.received.length], [1, 0]);
});

Deno.test("retry: the same deployment again for on_status, with backoff; other fallback statuses move on at once", async () => {
  await using a = scripted([503, 502, 500]);
  await using b = scripted([], "from b");
  await using proxy = startProxy(
    twoDeployments(a.url, b.url, {}, { attempts: 3, backoff_ms: 1, max_backoff_ms: 20 }),
  );
  const r = await chat(proxy.url);
  assertEquals(r.provider, "second");
  assertEquals(a.received.length, 3);
  const rec = proxy.records.at(-1)!;
  assertEquals(rec.attempts.map((x) => [x.provider, x.status]), [["first", 503], ["first", 502], [
    "first",
    500,
  ], ["second", 200]]);

  await using c = scripted([401]);
  await using d = scripted([]);
  await using proxy2 = startProxy(twoDeployments(c.url, d.url, {}, { attempts: 3, backoff_ms: 1 }));
  assertEquals((await chat(proxy2.url)).provider, "second");
  assertEquals(c.received.length, 1, "401 is not in retry.on_status: no second try");
});

Deno.test("429 with Retry-After is retried after the given delay; one longer than the cap moves on at once", async () => {
  await using a = scripted([429], "after wait", { "retry-after": "1" });
  await using b = scripted([]);
  await using proxy = startProxy(
    twoDeployments(a.url, b.url, {}, { attempts: 2, backoff_ms: 1, max_backoff_ms: 5000 }),
  );
  const started = Date.now();
  const r = await chat(proxy.url);
  assertEquals(r.provider, "first");
  assert(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);

  const future = new Date(Date.now() + 60_000).toUTCString();
  await using c = scripted([429], "never", { "retry-after": future });
  await using d = scripted([], "next");
  await using proxy2 = startProxy(
    twoDeployments(c.url, d.url, {}, { attempts: 2, backoff_ms: 1, max_backoff_ms: 5000 }),
  );
  const t0 = Date.now();
  const r2 = await chat(proxy2.url);
  assertEquals(r2.provider, "second");
  assert(Date.now() - t0 < 2000);
  assertEquals(c.received.length, 1);
});

Deno.test("timeouts fall back: no headers (first_byte_timeout_s), headers then silence (idle_timeout_s)", async () => {
  const never = gate();
  await using silent = fakeUpstream(async () => {
    await never.promise;
    return new Response("late");
  });
  await using stalls = fakeUpstream(() => sseResponse(chunkedBody([{ gate: never.promise }])));
  await using stallsJson = fakeUpstream(() =>
    new Response(chunkedBody(['{"id":', { gate: never.promise }]), {
      headers: { "content-type": "application/json" },
    })
  );
  await using good = scripted([], "saved");
  const timeouts = { first_byte_timeout_s: 0.2, idle_timeout_s: 0.2 };
  for (
    const [bad, stream] of [[silent, false], [stalls, true], [stallsJson, false], [
      silent,
      true,
    ]] as const
  ) {
    await using proxy = startProxy(twoDeployments(bad.url, good.url, timeouts));
    const r = await chat(proxy.url, stream ? { stream: true } : {});
    assertEquals([r.status, r.provider], [200, "second"]);
    const [first] = proxy.records.at(-1)!.attempts;
    assertMatch(first.error!, /(first_byte|idle)_timeout_s/);
  }
  never.open();
});

/**
 * A listener that is never accepted from, its queue filled by idle connections:
 * the kernel then drops new handshakes, so a connect to it hangs.
 */
async function neverConnects() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const held: Deno.Conn[] = [];
  const pending: Promise<unknown>[] = [];
  for (;;) {
    assert(held.length < 5000, "the accept queue never filled");
    const connect = Deno.connect({ hostname: "127.0.0.1", port });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<null>((r) => timer = setTimeout(() => r(null), 100));
    const conn = await Promise.race([connect, stalled]);
    clearTimeout(timer);
    if (!conn) {
      pending.push(connect.then((c) => c.close(), () => {}));
      break;
    }
    held.push(conn);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    [Symbol.dispose]() {
      for (const c of held) c.close();
      listener.close();
    },
  };
}

Deno.test("connect_timeout_s: a host that never completes the handshake falls back in time", async () => {
  using hanging = await neverConnects();
  await using good = scripted([], "saved");
  await using proxy = startProxy(
    twoDeployments(hanging.url, good.url, { connect_timeout_s: 0.2, first_byte_timeout_s: 30 }),
  );
  const started = Date.now();
  const r = await chat(proxy.url);
  assertEquals([r.status, r.provider], [200, "second"]);
  const [first] = proxy.records.at(-1)!.attempts;
  assertMatch(first.error!, /connect_timeout_s/);
  assert(Date.now() - started < 2000, "waited for the kernel, not for connect_timeout_s");
});

Deno.test("network failures fall back: connection refused, connection reset, a JSON body cut mid-way", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const refusedUrl = `http://127.0.0.1:${(closed.addr as Deno.NetAddr).port}`;
  closed.close();
  await using reset = rawUpstream(async () => {});
  await using cut = rawUpstream(async (conn) => {
    await write(
      conn,
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"id":"chatcmpl-1","cho',
    );
  });
  await using good = scripted([], "saved");
  for (const bad of [refusedUrl, reset.url, cut.url]) {
    await using proxy = startProxy(twoDeployments(bad, good.url));
    const r = await chat(proxy.url);
    assertEquals([r.status, r.provider], [200, "second"], bad);
    assertEquals(proxy.records.at(-1)!.attempts[0].status, null);
  }
});

Deno.test("a stream that fails before its first byte falls back, on both endpoints", async () => {
  await using empty = rawUpstream(async (conn) => {
    await write(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    );
  });
  const events = openAIChatEvents(["sa", "ved"], null);
  const aEvents = anthropicEvents(["sa", "ved"]);
  await using good = fakeUpstream((r) =>
    sseResponse(chunkedBody(r.path.includes("messages") ? aEvents : events))
  );
  await using proxy = startProxy({
    providers: {
      bad: { type: "openai", base_url: empty.url, retry: FAST_RETRY },
      good: { type: "openai", base_url: good.url },
      abad: { type: "anthropic", base_url: empty.url, retry: FAST_RETRY },
      agood: { type: "anthropic", base_url: good.url },
    },
    models: { m: ["bad/x", "good/x"], c: ["abad/x", "agood/x"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const text = await ai.chat.completions.stream({
    model: "m",
    messages: [{ role: "user", content: "x" }],
  }).finalContent();
  assertEquals(text, "saved");
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const msg = await client.messages.stream({
    model: "c",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  }).finalMessage();
  assertEquals(msg.content[0].type === "text" && msg.content[0].text, "saved");
});

Deno.test("timeout_s caps the whole call: a stream that keeps trickling past it ends with an error event", async () => {
  const [head, ...rest] = openAIChatEvents(["tick"], null);
  const encoder = new TextEncoder();
  let stopped: () => void = () => {};
  const cancelled = new Promise<void>((resolve) => (stopped = resolve));
  // A chunk every 20 ms, forever: never idle, never done.
  await using trickles = fakeUpstream(() => {
    let timer: ReturnType<typeof setInterval>;
    return sseResponse(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode(head));
          timer = setInterval(() => c.enqueue(encoder.encode(rest[0])), 20);
        },
        cancel() {
          clearInterval(timer);
          stopped();
        },
      }),
    );
  });
  await using proxy = startProxy({
    providers: { t: { type: "openai", base_url: trickles.url, timeout_s: 0.3, retry: FAST_RETRY } },
    models: { m: ["t/x"] },
  });
  const started = performance.now();
  const r = await chat(proxy.url, { stream: true });
  assertEquals(r.status, 200);
  assert(r.text.startsWith(head + rest[0]), r.text);
  assertMatch(
    r.text.trim().split("\n\n").at(-1)!,
    /^data: \{"error":\{"message":"not complete within 0.3 s \(timeout_s\)"/,
  );
  assert(performance.now() - started < 2000);
  await cancelled;
});

Deno.test("a stream that drops mid-way ends with an error event in the client's format, no fallback", async () => {
  const events = openAIChatEvents(["partial"], null);
  const aEvents = anthropicEvents(["partial"]);
  // Sends the head of a stream in one chunk, then closes the connection.
  let sent = events.slice(0, 2).join("");
  await using drops = rawUpstream(async (conn) => {
    await write(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    await write(conn, `${sent.length.toString(16)}\r\n${sent}\r\n`);
  });
  await using good = scripted([], "not used");
  await using proxy = startProxy({
    providers: {
      bad: { type: "openai", base_url: drops.url, retry: FAST_RETRY },
      abad: { type: "anthropic", base_url: drops.url, retry: FAST_RETRY },
      good: { type: "openai", base_url: good.url },
    },
    models: { m: ["bad/x", "good/x"], c: ["abad/x", "good/x"] },
  });
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody({ stream: true }),
    headers: { "content-type": "application/json" },
  });
  const text = await res.text();
  assertEquals(res.status, 200);
  assert(text.startsWith(events[0] + events[1]), text);
  const last = text.trim().split("\n\n").at(-1)!;
  assertMatch(
    last,
    /^data: \{"error":\{"message":"upstream closed the connection mid-body","type":"server_error"/,
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const err = await ai.chat.completions.stream({ model: "m", messages: [] }).finalContent().catch((
    e,
  ) => e);
  assert(err instanceof Error && /mid-body/.test(err.message), String(err));
  assertEquals(good.received.length, 0);
  assertMatch(proxy.records.at(-1)!.error ?? "", /mid-body/);

  sent = aEvents.slice(0, 3).join("");
  const ares = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    body: JSON.stringify({ model: "c", max_tokens: 5, stream: true, messages: [] }),
    headers: { "content-type": "application/json" },
  });
  const atext = await ares.text();
  assert(atext.startsWith(aEvents.slice(0, 3).join("")));
  assertMatch(
    atext,
    /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream closed the connection mid-body"\}\}\n\n$/,
  );
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const aerr = await client.messages.stream({ model: "c", max_tokens: 5, messages: [] })
    .finalMessage().catch((e) => e);
  assert(aerr instanceof Error && /mid-body/.test(aerr.message), String(aerr));
});

Deno.test("every deployment failed: 502 listing each attempt, no upstream secret even when echoed; 504 after a timeout", async () => {
  await using a = fakeUpstream(() =>
    jsonResponse(JSON.stringify({ error: `bad key ${SECRET}` }), 500)
  );
  await using b = scripted([503]);
  await using proxy = startProxy(twoDeployments(a.url, b.url));
  const r = await chat(proxy.url);
  assertEquals(r.status, 502);
  const { error } = JSON.parse(r.text);
  assertMatch(
    error.message,
    /every deployment of model 'm' failed: first\/a: HTTP 500 \(\d+ ms\); second\/b: HTTP 503 \(\d+ ms\)/,
  );
  assert(!r.text.includes(SECRET) && !r.text.includes("sk-second"));

  const never = gate();
  await using silent = fakeUpstream(async () => {
    await never.promise;
    return new Response("late");
  });
  await using proxy3 = startProxy({
    providers: {
      s: { type: "openai", base_url: silent.url, first_byte_timeout_s: 0.1, retry: FAST_RETRY },
    },
    models: { m: ["s/x"] },
  });
  assertEquals((await chat(proxy3.url)).status, 504);
  never.open();
});

Deno.test("cooldown: a failing deployment sits out, is still tried when all else fails, and comes back", async () => {
  let bHealthy = true;
  await using a = fakeUpstream(() => jsonResponse("{}", 500));
  await using b = fakeUpstream(() =>
    bHealthy ? jsonResponse(openAIChatJSON("b")) : jsonResponse("{}", 500)
  );
  await using proxy = startProxy({
    ...twoDeployments(a.url, b.url),
    routing: { cooldown: { failures: 2, seconds: 0.3 } },
  });
  await chat(proxy.url);
  await chat(proxy.url);
  assertEquals(a.received.length, 2);
  const ready = await (await fetch(`${proxy.url}/health/ready`)).json();
  assertEquals(ready.status, "ok");
  assertEquals(ready.cooldown.map((c: { deployment: string }) => c.deployment), ["first/a"]);
  // While it sits out, the second deployment is tried first.
  await chat(proxy.url);
  assertEquals(a.received.length, 2);
  assertEquals(proxy.records.at(-1)!.attempts.map((x) => x.provider), ["second"]);
  // When every other deployment fails, the resting one is still tried before giving up.
  bHealthy = false;
  const r = await chat(proxy.url);
  assertEquals(r.status, 502);
  assertEquals(proxy.records.at(-1)!.attempts.map((x) => x.provider), ["second", "first"]);
  // Both rest now: the model is unavailable, and a request tried only on resting deployments is a 503.
  await chat(proxy.url);
  const down = await fetch(`${proxy.url}/health/ready`);
  assertEquals(down.status, 503);
  assertEquals((await down.json()).unavailable, ["m"]);
  assertEquals((await chat(proxy.url)).status, 503);
  // Once the rest is over, the deployments are back.
  bHealthy = true;
  while ((await fetch(`${proxy.url}/health/ready`).then((r) => r.json())).cooldown.length > 0);
  assertEquals((await chat(proxy.url)).status, 200);
});

Deno.test("equal priorities share load by weight: 3:1 over 400 requests", async () => {
  await using proxy = startProxy({
    providers: { heavy: { type: "mock" }, light: { type: "mock" }, backup: { type: "mock" } },
    models: {
      m: [
        { provider: "heavy", model: "x", priority: 1, weight: 3 },
        { provider: "light", model: "x", priority: 1, weight: 1 },
        { provider: "backup", model: "x", priority: 2 },
      ],
    },
  });
  const counts: Record<string, number> = {};
  await Promise.all(Array.from({ length: 400 }, async () => {
    const r = await chat(proxy.url);
    counts[r.provider!] = (counts[r.provider!] ?? 0) + 1;
  }));
  assertEquals(counts.backup, undefined);
  assert(Math.abs(counts.heavy - 300) <= 40, JSON.stringify(counts));
});

Deno.test("a failed pick is followed by the rest of its priority group before the next priority", async () => {
  await using proxy = startProxy({
    providers: {
      a: { type: "mock", fail_status: 500, retry: FAST_RETRY },
      b: { type: "mock", fail_status: 500, retry: FAST_RETRY },
      c: { type: "mock", fail_status: 500, retry: FAST_RETRY },
      low: { type: "mock", retry: FAST_RETRY },
    },
    models: {
      m: [{ provider: "low", model: "x", priority: 2 }, "a/x", "b/x", "c/x"].map((d, i) =>
        typeof d === "string"
          ? { provider: d.split("/")[0], model: "x", priority: 1, weight: i }
          : d
      ),
    },
    routing: { cooldown: { failures: 100 } },
  });
  for (let i = 0; i < 10; i++) {
    const r = await chat(proxy.url);
    assertEquals(r.provider, "low");
    const order = proxy.records.at(-1)!.attempts.map((x) => x.provider);
    assertEquals(order.slice(0, 3).sort(), ["a", "b", "c"]);
    assertEquals(order[3], "low");
  }
});

Deno.test("a client that leaves aborts the upstream call: waiting for headers, and mid-stream", async () => {
  const seen = gate();
  let upstreamSignal: AbortSignal | undefined;
  await using waiting = fakeUpstream((r) => {
    upstreamSignal = r.signal;
    seen.open();
    return new Promise<Response>(() => {});
  });
  await using proxy = startProxy({
    providers: { w: { type: "openai", base_url: waiting.url } },
    models: { m: ["w/x"] },
  });
  const client = new AbortController();
  const pending = fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody(),
    signal: client.signal,
  }).catch(() => "aborted");
  await seen.promise;
  client.abort();
  assertEquals(await pending, "aborted");
  await new Promise<void>((resolve) =>
    upstreamSignal!.aborted ? resolve() : upstreamSignal!.addEventListener("abort", () => resolve())
  );

  const events = openAIChatEvents(["one", "two"], null);
  let streamSignal: AbortSignal | undefined;
  await using streaming = fakeUpstream((r) => {
    streamSignal = r.signal;
    return sseResponse(chunkedBody([events[0], events[1], { gate: new Promise(() => {}) }]));
  });
  await using proxy2 = startProxy({
    providers: { s: { type: "openai", base_url: streaming.url } },
    models: { m: ["s/x"] },
  });
  const res = await fetch(`${proxy2.v1}/chat/completions`, {
    method: "POST",
    body: chatBody({ stream: true }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel();
  await new Promise<void>((resolve) =>
    streamSignal!.aborted ? resolve() : streamSignal!.addEventListener("abort", () => resolve())
  );
});

Deno.test("a call given up before its answer is never sent again, on a fresh or a reused connection", async () => {
  // Deno 2.9's node:http resends a POST destroyed on a reused keep-alive socket (denoland/deno#36786).
  const sent: string[] = [];
  const arrived = gate();
  await using up = fakeUpstream((r) => {
    sent.push(String(r.json.user));
    if (r.json.user !== "waits") return jsonResponse(openAIChatJSON("ok"));
    arrived.open();
    return new Promise<Response>(() => {});
  });
  await using proxy = startProxy({
    providers: { w: { type: "openai", base_url: up.url } },
    models: { m: ["w/x"] },
  });
  await (await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody({ user: "first" }),
  }))
    .text();
  const client = new AbortController();
  const pending = fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody({ user: "waits" }),
    signal: client.signal,
  }).catch(() => "aborted");
  await arrived.promise;
  const given = proxy.nextRecord();
  client.abort();
  assertEquals(await pending, "aborted");
  await given;
  await (await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody({ user: "last" }),
  }))
    .text();
  assertEquals(sent, ["first", "waits", "last"]);
});

Deno.test("a client that leaves during a backoff sleep stops the retries", async () => {
  const first = gate();
  await using a = fakeUpstream(() => {
    first.open();
    return jsonResponse("{}", 503);
  });
  await using proxy = startProxy({
    providers: {
      a: {
        type: "openai",
        base_url: a.url,
        retry: { attempts: 3, backoff_ms: 60_000, max_backoff_ms: 60_000 },
      },
    },
    models: { m: ["a/x"] },
  });
  const client = new AbortController();
  const done = proxy.nextRecord();
  const pending = fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: chatBody(),
    signal: client.signal,
  }).catch(() => "aborted");
  await first.promise;
  client.abort();
  await pending;
  const record = await done;
  assertEquals(record.attempts.length, 1);
  assertEquals(a.received.length, 1);
});

Deno.test("mock provider: both endpoints, streamed and not, with its knobs", async () => {
  await using proxy = startProxy({
    providers: {
      m: { type: "mock", text: "abcdefghij", chunks: 5, chunk_delay_ms: 1, latency_ms: 1 },
      broken: { type: "mock", fail_status: 503, retry: FAST_RETRY },
    },
    models: { mock: ["m/x"], broken: ["broken/x"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const r = await ai.chat.completions.create({
    model: "mock",
    messages: [{ role: "user", content: "x" }],
  });
  assertEquals(r.choices[0].message.content, "abcdefghij");
  const pieces: string[] = [];
  for await (
    const c of await ai.chat.completions.create({ model: "mock", stream: true, messages: [] })
  ) {
    if (c.choices[0]?.delta?.content) pieces.push(c.choices[0].delta.content);
  }
  assertEquals(pieces, ["ab", "cd", "ef", "gh", "ij"]);
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const m = await client.messages.create({
    model: "mock",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  });
  assertEquals(m.content[0].type === "text" && m.content[0].text, "abcdefghij");
  const s = await client.messages.stream({
    model: "mock",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  }).finalMessage();
  assertEquals(s.content[0].type === "text" && s.content[0].text, "abcdefghij");
  const err = await ai.chat.completions.create({ model: "broken", messages: [] }).catch((e) => e);
  assertEquals(err.status, 502);
  assertMatch(err.message, /broken\/x: HTTP 503/);
});
