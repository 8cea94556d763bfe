/**
 * OpenTelemetry (SPEC §14) against a real OTLP/HTTP receiver started here:
 * one trace per request — a SERVER span and a CLIENT span per attempt with
 * the GenAI attributes, checked against the mock upstream's usage — the
 * caller's traceparent continued and each attempt's sent upstream, retries
 * and fallbacks as siblings, streams timed to their end, content only when
 * asked (masked), and a collector that is down, slow or refusing changing
 * nothing for clients.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals } from "../support/assert.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import {
  anthropicEvents,
  anthropicJSON,
  jsonResponse,
  openAIChatJSON,
  sseResponse,
} from "../support/wire.ts";

// deno-lint-ignore no-explicit-any -- OTLP JSON, read loosely
type Json = Record<string, any>;

/** An OTLP/HTTP collector: JSON batches decoded into spans, protobuf ones kept as bytes. */
function collector(answer: () => Response | Promise<Response> = () => new Response("{}")) {
  const spans: Json[] = [];
  const raw: { type: string | null; bytes: Uint8Array }[] = [];
  const waiting: (() => void)[] = [];
  // A collector that never answers is answered at shutdown, so it can shut down.
  const closing = Promise.withResolvers<Response>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const bytes = new Uint8Array(await req.arrayBuffer());
    raw.push({ type: req.headers.get("content-type"), bytes });
    if (req.headers.get("content-type") === "application/json") {
      const body = JSON.parse(new TextDecoder().decode(bytes));
      for (const rs of body.resourceSpans) {
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) spans.push({ ...s, resource: rs.resource, attrs: attrs(s) });
        }
      }
    }
    waiting.splice(0).forEach((w) => w());
    return await Promise.race([answer(), closing.promise]);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    spans,
    raw,
    /** Waits until `n` spans (or protobuf batches) have arrived. */
    async count(n: number, of: () => number = () => spans.length) {
      while (of() < n) await new Promise<void>((w) => waiting.push(w));
    },
    [Symbol.asyncDispose]: () => {
      closing.resolve(new Response(null, { status: 503 }));
      return server.shutdown();
    },
  };
}

/** OTLP JSON attributes as a plain object. */
function attrs(s: Json): Json {
  return Object.fromEntries(
    (s.attributes ?? []).map((a: Json) => {
      const v = a.value;
      const value = v.stringValue ?? v.boolValue ?? v.doubleValue ??
        (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
        v.arrayValue?.values.map((x: Json) => x.stringValue);
      return [a.key, value];
    }),
  );
}

const USAGE = { input: 100, output: 50, cacheRead: 30, cacheWrite: 5 };

function upstream() {
  return fakeUpstream((r) => {
    if (r.json.model === "broken") return jsonResponse(JSON.stringify({ error: {} }), 503);
    if (r.path.startsWith("/v1/messages")) {
      return r.json.stream
        ? sseResponse(anthropicEvents(["Hi ", "there"], USAGE).join(""))
        : jsonResponse(anthropicJSON("Hi there", USAGE));
    }
    return jsonResponse(openAIChatJSON("Hi there", USAGE, "gpt-4o-2024-08-06"));
  });
}

function config(up: string, otel: Json, extra: Json = {}) {
  return {
    otel,
    providers: {
      oa: { type: "openai", base_url: up, retry: { attempts: 1 } },
      an: { type: "anthropic", base_url: up },
    },
    models: {
      "gpt-4o": ["oa/broken", "oa/gpt-4o-up"],
      claude: ["an/claude-up"],
    },
    ...extra,
  };
}

Deno.test("OTLP/JSON: the caller's trace continued, a SERVER span, CLIENT spans per attempt (fallback as siblings), GenAI attributes from the upstream's usage, each attempt's traceparent upstream", async () => {
  await using up = upstream();
  await using otlp = collector();
  await using proxy = startProxy(config(up.url, { endpoint: otlp.url, protocol: "http/json" }));
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parent = "00f067aa0ba902b7";
  const client = new OpenAI({
    baseURL: proxy.v1,
    apiKey: "k",
    defaultHeaders: { traceparent: `00-${trace}-${parent}-01` },
  });
  await client.chat.completions.create({
    model: "gpt-4o",
    max_tokens: 77,
    temperature: 0.5,
    messages: [{ role: "user", content: "hi" }],
  });
  await otlp.count(3);
  const server = otlp.spans.find((s) => s.kind === 2)!;
  const [failed, served] = otlp.spans.filter((s) => s.kind === 3)
    .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
  assertEquals(server.traceId, trace);
  assertEquals(server.parentSpanId, parent);
  assertEquals(server.name, "POST /v1/chat/completions");
  assertEquals(server.attrs["http.response.status_code"], 200);
  assertEquals(server.attrs["url.path"], "/v1/chat/completions");
  assert(typeof server.attrs["switchyard.request_id"] === "string");
  assertEquals(server.resource.attributes[0], {
    key: "service.name",
    value: { stringValue: "switchyard" },
  });
  for (const s of [failed, served]) {
    assertEquals([s.traceId, s.parentSpanId], [trace, server.spanId]);
  }
  assertEquals(failed.name, "chat broken");
  assertEquals([failed.attrs["error.type"], failed.status.code], ["503", 2]);
  assertEquals(served.name, "chat gpt-4o-up");
  const port = Number(new URL(up.url).port);
  assertEquals(served.attrs, {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-up",
    "gen_ai.request.max_tokens": 77,
    "gen_ai.request.temperature": 0.5,
    "server.address": "127.0.0.1",
    "server.port": port,
    "switchyard.deployment": "oa/gpt-4o-up",
    "switchyard.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.id": JSON.parse(openAIChatJSON("x")).id,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 100,
    "gen_ai.usage.output_tokens": 50,
    "gen_ai.usage.cache_read.input_tokens": 30,
    // OpenAI's usage reports no cache writes.
    "gen_ai.usage.cache_creation.input_tokens": 0,
  });
  // Each attempt told the upstream its own span.
  assertEquals(
    up.received.map((r) => r.headers.get("traceparent")),
    [`00-${trace}-${failed.spanId}-01`, `00-${trace}-${served.spanId}-01`],
  );
  assert(!("gen_ai.input.messages" in served.attrs), "no content without capture_content");
});

Deno.test("a stream's attempt span ends with the stream and marks its first chunk; a new trace without a traceparent", async () => {
  await using up = upstream();
  await using otlp = collector();
  await using proxy = startProxy(config(up.url, { endpoint: otlp.url, protocol: "http/json" }));
  const stream = new Anthropic({ baseURL: proxy.url, apiKey: "k" }).messages.stream({
    model: "claude",
    max_tokens: 20,
    messages: [{ role: "user", content: "hi" }],
  });
  await stream.finalMessage();
  await otlp.count(2);
  const server = otlp.spans.find((s) => s.kind === 2)!;
  const attempt = otlp.spans.find((s) => s.kind === 3)!;
  assertEquals(server.parentSpanId, undefined);
  assertEquals(attempt.parentSpanId, server.spanId);
  assertEquals(attempt.attrs["gen_ai.provider.name"], "anthropic");
  assertEquals(attempt.attrs["gen_ai.response.finish_reasons"], ["end_turn"]);
  assertEquals(attempt.attrs["gen_ai.usage.output_tokens"], 50);
  assertEquals(attempt.events.map((e: Json) => e.name), ["gen_ai.first_chunk"]);
  const first = BigInt(attempt.events[0].timeUnixNano);
  assert(first >= BigInt(attempt.startTimeUnixNano) && first <= BigInt(attempt.endTimeUnixNano));
  assert(BigInt(server.endTimeUnixNano) >= BigInt(attempt.endTimeUnixNano), "server ends last");
});

Deno.test("http/protobuf (the default): batches arrive as protobuf with the spans in them", async () => {
  await using up = upstream();
  await using otlp = collector();
  await using proxy = startProxy(config(up.url, { endpoint: otlp.url }));
  const r = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "claude", messages: [{ role: "user", content: "hi" }] }),
  });
  await r.text();
  await otlp.count(1, () => otlp.raw.length);
  const [batch] = otlp.raw;
  assertEquals(batch.type, "application/x-protobuf");
  // ExportTraceServiceRequest → resource_spans (1) → scope_spans (2) → spans (2).
  const [resourceSpans] = fields(batch.bytes).filter((f) => f.no === 1);
  const scopeSpans = fields(resourceSpans.bytes!).filter((f) => f.no === 2);
  const spans = scopeSpans.flatMap((ss) => fields(ss.bytes!).filter((f) => f.no === 2));
  const decoded = spans.map((span) => {
    const f = fields(span.bytes!);
    const text = (no: number) => new TextDecoder().decode(f.find((x) => x.no === no)!.bytes);
    const attributes = Object.fromEntries(
      f.filter((x) => x.no === 9).map((kv) => {
        const [key, value] = fields(kv.bytes!);
        const [any] = fields(value.bytes!);
        return [
          new TextDecoder().decode(key.bytes),
          any.no === 1 ? new TextDecoder().decode(any.bytes) : any.value,
        ];
      }),
    );
    const kind = f.find((x) => x.no === 6)!.value;
    return { name: text(5), kind, attributes, idBytes: f.find((x) => x.no === 2)!.bytes!.length };
  });
  const attempt = decoded.find((d) => d.kind === 3)!;
  assertEquals(decoded.map((d) => d.name).sort(), ["POST /v1/chat/completions", "chat claude-up"]);
  assertEquals(attempt.idBytes, 8);
  // Anthropic's 100 input tokens plus its 30 cache reads and 5 cache writes, as the conventions count.
  assertEquals(attempt.attributes["gen_ai.usage.input_tokens"], 135);
  assertEquals(attempt.attributes["gen_ai.provider.name"], "anthropic");
});

Deno.test("capture_content: the messages and the answer on the attempt span, masked", async () => {
  await using up = upstream();
  await using otlp = collector();
  await using proxy = startProxy(
    config(up.url, { endpoint: otlp.url, protocol: "http/json", capture_content: true }),
  );
  const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
  await new OpenAI({ baseURL: proxy.v1, apiKey: "k" }).chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: `my key is ${secret}` }],
  });
  await otlp.count(3);
  const served = otlp.spans.find((s) => s.name === "chat gpt-4o-up")!;
  const input = served.attrs["gen_ai.input.messages"] as string;
  assert(input.includes("my key is"), input);
  assert(!input.includes(secret), "the key is masked");
  assert((served.attrs["gen_ai.output.messages"] as string).includes("Hi there"));
});

Deno.test("sampling: sample_ratio 0 traces nothing, unless the caller's traceparent says sampled", async () => {
  await using up = upstream();
  await using otlp = collector();
  await using proxy = startProxy(
    config(up.url, { endpoint: otlp.url, protocol: "http/json", sample_ratio: 0 }),
  );
  const ask = (traceparent?: string) =>
    fetch(`${proxy.v1}/chat/completions`, {
      method: "POST",
      headers: traceparent ? { traceparent } : {},
      body: JSON.stringify({ model: "claude", messages: [{ role: "user", content: "hi" }] }),
    }).then((r) => r.text());
  await ask();
  await ask(`00-${"a".repeat(32)}-${"b".repeat(16)}-00`);
  await ask(`00-${"c".repeat(32)}-${"d".repeat(16)}-01`);
  await otlp.count(2);
  await proxy.rt.exporter!.close();
  assertEquals([...new Set(otlp.spans.map((s) => s.traceId))], ["c".repeat(32)]);
});

Deno.test("a collector that is down, hangs or refuses changes nothing for clients; refused spans are counted as dropped", async () => {
  await using up = upstream();
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = `http://127.0.0.1:${dead.addr.port}`;
  dead.close();
  await using hanging = collector(() => new Promise<Response>(() => {}));
  await using refusing = collector(() => new Response("no", { status: 400 }));
  for (const endpoint of [deadUrl, hanging.url, refusing.url]) {
    await using proxy = startProxy(config(up.url, { endpoint, protocol: "http/json" }));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${proxy.v1}/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: "claude", messages: [{ role: "user", content: "hi" }] }),
        }).then(async (r) => (await r.text(), r.status))),
    );
    assertEquals(answers.filter((s) => s === 200).length, 20, endpoint);
    assert(Date.now() - started < 2000, `served at once with ${endpoint}`);
    if (endpoint === refusing.url) {
      // Told once the collector's 400 is back: waited for, not slept on.
      const dropped = async () => {
        const metrics = await fetch(`${proxy.url}/metrics`).then((r) => r.text());
        return Number(/^switchyard_otel_dropped_spans_total (\d+)/m.exec(metrics)?.[1] ?? 0);
      };
      let reads = 1;
      // The batch goes within a second: a read every 100 ms sees it.
      for (; reads < 100 && await dropped() < 40; reads++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      // The 40 spans of the 20 requests, plus at most one a /metrics read (traced too): fewer
      // than 40 reads cannot make 40 alone.
      const count = await dropped();
      assert(
        count >= 40 && count <= 40 + reads && reads < 40,
        `dropped ${count} in ${reads} reads`,
      );
    }
  }
});

/** One level of a protobuf message: each field's number and its varint value or bytes. */
function fields(bytes: Uint8Array): { no: number; value?: number; bytes?: Uint8Array }[] {
  const out = [];
  let at = 0;
  const varint = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++];
      n += (b & 127) * scale;
      scale *= 128;
      if (b < 128) return n;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const [no, wire] = [Math.floor(key / 8), key % 8];
    if (wire === 0) out.push({ no, value: varint() });
    else if (wire === 1) out.push({ no, bytes: bytes.subarray(at, at += 8) });
    else if (wire === 2) {
      const n = varint();
      out.push({ no, bytes: bytes.subarray(at, at += n) });
    } else if (wire === 5) out.push({ no, bytes: bytes.subarray(at, at += 4) });
    else throw new Error(`wire type ${wire} at ${at}`);
  }
  return out;
}
