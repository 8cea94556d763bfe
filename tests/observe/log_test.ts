import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { chunkedBody, fakeUpstream, type Received } from "../support/upstream.ts";
import {
  anthropicJSON,
  anthropicStream,
  jsonResponse,
  ollamaJSON,
  ollamaLines,
  openAIChatJSON,
  openAIStream,
  type Part,
  sseResponse,
  type Tokens,
} from "../support/wire.ts";

type Line = Record<string, unknown> & {
  usage: Record<string, number> | null;
  cost_usd?: number;
  attempts: Record<string, unknown>[];
};

/** The file log's lines after everything was written. */
async function lines(proxy: TestProxy, dir: string): Promise<Line[]> {
  await proxy.rt.recorder.flush();
  const text = await Deno.readTextFile(`${dir}/switchyard.jsonl`);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

const PRICE = {
  input_per_mtok: 3,
  output_per_mtok: 15,
  cache_read_per_mtok: 0.3,
  cache_write_per_mtok: 3.75,
};
const TOKENS: Tokens = { input: 1000, output: 200, cacheRead: 4000, cacheWrite: 500 };
/** TOKENS as logged from Anthropic's own counts: 1000 uncached + 4000 cache reads + 500 cache writes in, 200 out. */
const ANTHROPIC_USAGE = {
  prompt_tokens: 5500,
  completion_tokens: 200,
  total_tokens: 5700,
  cache_read_tokens: 4000,
  cache_write_tokens: 500,
  reasoning_tokens: 0,
};

/** A stream's events as pieces of `size` bytes (0: event by event), cut wherever that falls. */
function cutEvery(events: string[], size: number): string[] {
  if (!size) return events;
  const all = events.join("");
  return Array.from(
    { length: Math.ceil(all.length / size) },
    (_, i) => all.slice(i * size, (i + 1) * size),
  );
}

/**
 * Upstreams of every format answering the same text with the same token
 * counts, streamed or not; streams in pieces of `cut` bytes when given.
 */
function upstreams(parts: Part[] = [{ text: ["Same ", "answer."] }], cut = 0) {
  const text = parts.flatMap((p) => ("text" in p ? p.text : [])).join("");
  return fakeUpstream((r: Received) => {
    if (r.path === "/api/chat") {
      return r.json.stream
        ? new Response(chunkedBody(ollamaLines(["Same ", "answer."])))
        : jsonResponse(ollamaJSON("Same answer."));
    }
    if (r.path.startsWith("/v1/messages")) {
      return r.json.stream
        ? sseResponse(chunkedBody(cutEvery(anthropicStream(parts, TOKENS), cut)))
        : jsonResponse(anthropicJSON(text, TOKENS));
    }
    const chatTokens = {
      input: TOKENS.input + TOKENS.cacheRead!,
      output: TOKENS.output,
      cacheRead: TOKENS.cacheRead,
    };
    // Like OpenAI: usage in a stream only when asked for.
    const asked = (r.json.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    return r.json.stream
      ? sseResponse(chunkedBody(cutEvery(openAIStream(parts, asked ? chatTokens : null), cut)))
      : jsonResponse(openAIChatJSON(text, chatTokens));
  });
}

function config(url: string, dir: string, extra: Record<string, unknown> = {}) {
  return {
    log: { dir, bodies: true },
    providers: {
      oa: { type: "openai", base_url: url, api_key: "sk-oa-key-0000000000001", price: PRICE },
      an: { type: "anthropic", base_url: url, api_key: "sk-an-key-0000000000002", price: PRICE },
      ol: { type: "ollama", base_url: url, price: PRICE },
    },
    models: {
      "gpt-x": ["oa/gpt-x"],
      "claude-x": ["an/claude-x"],
      "via-claude": ["an/claude-x"],
      "llama": ["ol/llama"],
    },
    ...extra,
  };
}

Deno.test("file log: every SPEC §7 field, bodies as JSON, a stream's assembled text and tool calls", async () => {
  const dir = await Deno.makeTempDir();
  await using up = upstreams([{ text: ["Let me check."] }, {
    tool: { id: "toolu_1", name: "weather", args: ['{"city":"Oslo"}'] },
  }]);
  await using proxy = startProxy(config(up.url, dir));
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  await client.messages.create({
    model: "claude-x",
    max_tokens: 50,
    messages: [{ role: "user", content: "weather?" }],
  }, { headers: { "x-request-id": "req-json" } });
  await client.messages.stream({
    model: "claude-x",
    max_tokens: 50,
    messages: [{ role: "user", content: "weather?" }],
  }, { headers: { "x-request-id": "req-stream" } }).finalMessage();
  const [json, stream] = await lines(proxy, dir);
  assertMatch(String(json.ts), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (
    const key of [
      "ts",
      "request_id",
      "route",
      "model",
      "provider",
      "upstream_model",
      "stream",
      "status",
      "latency_ms",
      "ttfb_ms",
      "attempts",
      "usage",
      "cost_usd",
      "error",
      "request",
      "response",
    ]
  ) {
    assert(key in json, `missing ${key}`);
  }
  assertEquals([
    json.request_id,
    json.route,
    json.model,
    json.provider,
    json.upstream_model,
    json.stream,
    json.status,
    json.error,
  ], ["req-json", "/v1/messages", "claude-x", "an", "claude-x", false, 200, null]);
  assertEquals((json.request as { messages: unknown[] }).messages, [{
    role: "user",
    content: "weather?",
  }]);
  assertEquals((json.response as { id: string }).id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  assertEquals(json.attempts.map((a) => [a.provider, a.status, a.error]), [["an", 200, null]]);
  assertEquals([stream.request_id, stream.stream], ["req-stream", true]);
  assertEquals(stream.response, {
    text: "Let me check.",
    tool_calls: [{ id: "toolu_1", name: "weather", arguments: '{"city":"Oslo"}' }],
    stop_reason: "tool_use",
    usage: stream.usage,
  });
  assert(typeof stream.ttfb_ms === "number" && typeof stream.latency_ms === "number");
});

Deno.test("usage parity: the same answer logs the same usage and cost streamed or not, on every route", async () => {
  const dir = await Deno.makeTempDir();
  await using up = upstreams();
  await using proxy = startProxy(config(up.url, dir));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const msgs = [{ role: "user" as const, content: "q" }];
  const routes: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    [
      "openai chat (stream without include_usage)",
      () => ai.chat.completions.create({ model: "gpt-x", messages: msgs }),
      () => ai.chat.completions.stream({ model: "gpt-x", messages: msgs }).finalContent(),
    ],
    [
      "anthropic messages",
      () => client.messages.create({ model: "claude-x", max_tokens: 9, messages: msgs }),
      () =>
        client.messages.stream({ model: "claude-x", max_tokens: 9, messages: msgs }).finalMessage(),
    ],
    [
      "openai client → anthropic",
      () => ai.chat.completions.create({ model: "via-claude", messages: msgs }),
      () => ai.chat.completions.stream({ model: "via-claude", messages: msgs }).finalContent(),
    ],
    [
      "anthropic client → openai",
      () => client.messages.create({ model: "gpt-x", max_tokens: 9, messages: msgs }),
      () =>
        client.messages.stream({ model: "gpt-x", max_tokens: 9, messages: msgs }).finalMessage(),
    ],
    [
      "responses → anthropic",
      () => ai.responses.create({ model: "claude-x", input: "q" }),
      () => ai.responses.stream({ model: "claude-x", input: "q" }).finalResponse(),
    ],
    [
      "ollama",
      () => ai.chat.completions.create({ model: "llama", messages: msgs }),
      () => ai.chat.completions.stream({ model: "llama", messages: msgs }).finalContent(),
    ],
  ];
  for (const [, plain, streamed] of routes) {
    await plain();
    await streamed();
  }
  const logged = await lines(proxy, dir);
  assertEquals(logged.length, routes.length * 2);
  routes.forEach(([name], i) => {
    const [plain, streamed] = [logged[2 * i], logged[2 * i + 1]];
    assertEquals([plain.stream, streamed.stream], [false, true], name);
    assert(plain.usage && plain.cost_usd, `${name}: priced usage`);
    assertEquals(streamed.usage, plain.usage, name);
    assertEquals(streamed.cost_usd, plain.cost_usd, name);
  });
  assertEquals(logged[2].usage, ANTHROPIC_USAGE);
  assertEquals(logged[2].cost_usd, (1000 * 3 + 4000 * 0.3 + 500 * 3.75 + 200 * 15) / 1e6);
  assertEquals(logged[0].usage!.cache_read_tokens, 4000);
  assertEquals(logged[0].cost_usd, (1000 * 3 + 4000 * 0.3 + 200 * 15) / 1e6);
});

Deno.test("usage of long streams cut every few bytes: read from their first and last events only, still exact", async () => {
  // 400 pieces: tens of KB, so the head and tail kept are far apart; 37-byte pieces split every
  // event, the usage objects included.
  const parts: Part[] = [{ text: Array.from({ length: 400 }, (_, i) => `word${i} `) }];
  await using up = upstreams(parts, 37);
  await using proxy = startProxy(config(up.url, ""));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const msgs = [{ role: "user" as const, content: "q" }];
  const chat = await ai.chat.completions.stream({ model: "gpt-x", messages: msgs }).finalContent();
  assertEquals(chat, parts.flatMap((p) => ("text" in p ? p.text : [])).join(""));
  const asked = ai.chat.completions.stream({
    model: "gpt-x",
    messages: msgs,
    stream_options: { include_usage: true },
  });
  assertEquals((await asked.finalChatCompletion()).usage?.completion_tokens, TOKENS.output);
  await client.messages.stream({ model: "claude-x", max_tokens: 9, messages: msgs }).finalMessage();
  const [chatRecord, askedRecord, messagesRecord] = proxy.records.slice(-3);
  const chatUsage = {
    prompt_tokens: 5000,
    completion_tokens: 200,
    total_tokens: 5200,
    cache_read_tokens: 4000,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
  };
  assertEquals(chatRecord.usage, chatUsage);
  assertEquals(askedRecord.usage, chatUsage);
  // Anthropic: input and cache counts from message_start, output from message_delta.
  assertEquals(messagesRecord.usage, ANTHROPIC_USAGE);
});

Deno.test("failed requests and rejections log exactly one line each, with attempts and the error", async () => {
  const dir = await Deno.makeTempDir();
  await using down = fakeUpstream(() => jsonResponse('{"error":{"message":"down"}}', 503));
  await using proxy = startProxy({
    log: { dir, bodies: false },
    server: { api_keys: ["sk-proxy-key-123456789"], max_body_mb: 0.001 },
    providers: {
      a: { type: "openai", base_url: down.url, retry: { attempts: 2, backoff_ms: 1 } },
      b: { type: "openai", base_url: down.url, retry: { attempts: 1 } },
    },
    models: { m: ["a/x", "b/y"] },
  });
  const post = (
    body: string,
    headers: Record<string, string> = { authorization: "Bearer sk-proxy-key-123456789" },
  ) =>
    fetch(`${proxy.v1}/chat/completions`, { method: "POST", body, headers }).then((r) =>
      r.body?.cancel().then(() => r.status)
    );
  const statuses = [
    await post(JSON.stringify({ model: "m", messages: [] })),
    await post(JSON.stringify({ model: "m", messages: [] }), {}),
    await post(JSON.stringify({ model: "nope", messages: [] })),
    await post(
      JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(5000) }] }),
    ),
  ];
  assertEquals(statuses, [502, 401, 404, 413]);
  const logged = await lines(proxy, dir);
  assertEquals(logged.map((l) => l.status), [502, 401, 404, 413]);
  assertEquals(logged[0].attempts.map((a) => [a.provider, a.status]), [["a", 503], ["a", 503], [
    "b",
    503,
  ]]);
  assertMatch(String(logged[0].error), /every deployment of model 'm' failed/);
  assert(!("request" in logged[0]), "bodies off");
});

Deno.test("the splitter's companion gets its own line, linked by request_id", async () => {
  const dir = await Deno.makeTempDir();
  await using up = upstreams();
  await using proxy = startProxy(
    config(up.url, dir, { splitter: { models: ["gpt-x"], model: "claude-x" } }),
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  await ai.chat.completions.create({ model: "gpt-x", messages: [{ role: "user", content: "q" }] }, {
    headers: { "x-request-id": "with-companion" },
  });
  const logged = await lines(proxy, dir);
  const [main, companion] = [
    logged.find((l) => l.kind === "request")!,
    logged.find((l) => l.kind === "companion")!,
  ];
  assertEquals([main.request_id, companion.request_id], ["with-companion", "with-companion"]);
  assertEquals([companion.model, companion.provider, companion.status], ["claude-x", "an", 200]);
  assertEquals(companion.usage!.completion_tokens, 200);
});

Deno.test('rotation at max_file_mb keeps keep_files; dir "" writes nothing', async () => {
  const dir = await Deno.makeTempDir();
  await using up = upstreams();
  await using proxy = startProxy(
    config(up.url, dir, { log: { dir, bodies: true, max_file_mb: 0.002, keep_files: 2 } }),
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  for (let i = 0; i < 12; i++) {
    await ai.chat.completions.create({
      model: "gpt-x",
      messages: [{ role: "user", content: `request ${i}` }],
    });
    await proxy.rt.recorder.flush();
  }
  const files = [...Deno.readDirSync(dir)].map((f) => f.name).sort();
  assertEquals(files, ["switchyard.1.jsonl", "switchyard.2.jsonl", "switchyard.jsonl"]);
  for (const f of files) assert(Deno.statSync(`${dir}/${f}`).size <= 0.002 * 1048576, f);

  const empty = await Deno.makeTempDir();
  await using quiet = startProxy(config(up.url, "", {}));
  await new OpenAI({ baseURL: quiet.v1, apiKey: "k" }).chat.completions.create({
    model: "gpt-x",
    messages: [],
  });
  await quiet.rt.recorder.flush();
  assertEquals([...Deno.readDirSync(empty)].length, 0);
});

Deno.test("/metrics: Prometheus text, counters that move by the right amounts, protected by the keys", async () => {
  await using up = upstreams();
  await using down = fakeUpstream(() => jsonResponse("{}", 500));
  await using proxy = startProxy({
    server: { api_keys: ["sk-metrics-key-00001"] },
    providers: {
      an: { type: "anthropic", base_url: up.url, price: PRICE },
      bad: { type: "openai", base_url: down.url, retry: { attempts: 1 } },
    },
    models: { "claude-x": ["an/claude-x"], broken: ["bad/x"], 'we"ird\\name': ["an/claude-x"] },
    routing: { cooldown: { failures: 1, seconds: 60 } },
  });
  const scrape = async () => {
    const res = await fetch(`${proxy.url}/metrics`, {
      headers: { authorization: "Bearer sk-metrics-key-00001" },
    });
    assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const values = new Map<string, number>();
    const typed = new Set<string>();
    for (const line of (await res.text()).split("\n")) {
      if (line.startsWith("# TYPE ")) typed.add(line.split(" ")[2]);
      if (line && !line.startsWith("#")) {
        // The text format's sample line: a declared family, escaped label values, a number.
        const sample = /^([a-z_]+)(\{(?:[a-z_]+="(?:[^"\\\n]|\\["\\n])*",?)*\})? (\S+)$/.exec(line);
        assert(sample, `not a sample line: ${line}`);
        assert(typed.has(sample[1].replace(/_(bucket|sum|count)$/, "")) || typed.has(sample[1]));
        assert(!Number.isNaN(Number(sample[3])), line);
        values.set(
          line.slice(0, line.lastIndexOf(" ")),
          Number(line.slice(line.lastIndexOf(" ") + 1)),
        );
      }
    }
    return values;
  };
  assertEquals((await fetch(`${proxy.url}/metrics`)).status, 401);
  const before = await scrape();
  const client = new Anthropic({
    baseURL: proxy.url,
    apiKey: "sk-metrics-key-00001",
    maxRetries: 0,
  });
  for (let i = 0; i < 3; i++) {
    await client.messages.create({ model: "claude-x", max_tokens: 5, messages: [] });
  }
  await client.messages.create({ model: "broken", max_tokens: 5, messages: [] }).catch(() => {});
  await client.messages.create({ model: 'we"ird\\name', max_tokens: 5, messages: [] });
  const after = await scrape();
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  assertEquals(
    delta(
      'switchyard_requests_total{route="/v1/messages",model="claude-x",provider="an",status_class="2xx",key="admin"}',
    ),
    3,
  );
  assertEquals(
    delta('switchyard_tokens_total{model="claude-x",provider="an",kind="prompt",key="admin"}'),
    3 * 5500,
  );
  assertEquals(
    delta('switchyard_tokens_total{model="claude-x",provider="an",kind="cache_read",key="admin"}'),
    3 * 4000,
  );
  assertEquals(
    delta('switchyard_request_duration_seconds_count{model="claude-x",provider="an"}'),
    3,
  );
  assert(
    Math.abs(
      delta('switchyard_cost_usd_total{model="claude-x",provider="an",key="admin"}') - 3 * 0.009075,
    ) <
      1e-9,
  );
  assertEquals(
    delta(
      'switchyard_errors_total{route="/v1/messages",model="broken",provider="",status_class="5xx",key="admin"}',
    ),
    1,
  );
  assertEquals(delta('switchyard_upstream_attempts_total{provider="bad",result="500"}'), 1);
  assertEquals(
    delta(
      'switchyard_requests_total{route="/v1/messages",model="we\\"ird\\\\name",provider="an",status_class="2xx",key="admin"}',
    ),
    1,
  );
  // Histogram buckets are cumulative and end at the count.
  const bucket = (le: string) =>
    after.get(
      `switchyard_request_duration_seconds_bucket{model="claude-x",provider="an",le="${le}"}`,
    ) ?? NaN;
  assert(bucket("0.005") <= bucket("1") && bucket("1") <= bucket("+Inf"));
  assertEquals(
    bucket("+Inf"),
    after.get('switchyard_request_duration_seconds_count{model="claude-x",provider="an"}'),
  );
  assertEquals(after.get("switchyard_deployments_in_cooldown"), 1);
  assert((after.get('switchyard_process_memory_bytes{kind="rss"}') ?? 0) > 0);
  await using open = startProxy({
    server: { api_keys: ["k"], metrics_public: true },
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"] },
  });
  assertEquals((await fetch(`${open.url}/metrics`)).status, 200);
});
