/**
 * The benchmark's upstream: answers OpenAI chat and Anthropic messages, plain
 * and SSE (20 chunks), from prebuilt bytes in microseconds. With
 * `--chunk-delay-ms N` streams pace their chunks (the scale run's slow streams).
 * It is the tracing variant's OTLP collector too: `POST /v1/traces` is taken and dropped.
 *
 *   deno run -A bench/mock_upstream.ts [--chunk-delay-ms 0]
 */
import { parseArgs } from "node:util";
import { chatChunk, chatCompletion, chatUsageChunk } from "./openai_wire.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { "chunk-delay-ms": { type: "string", default: "0" } },
});
const DELAY = Number(values["chunk-delay-ms"]);
const enc = new TextEncoder();
const WORDS = Array.from({ length: 20 }, (_, i) => `word${i} `);

const openAIHead = {
  id: "chatcmpl-bench",
  created: 1741570283,
  model: "gpt-4o-mini",
  system_fingerprint: "fp_bench",
};
const openAIUsage = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 };
const openAIChunk = (delta: object, finish: string | null) => chatChunk(openAIHead, delta, finish);
const OPENAI_JSON = enc.encode(chatCompletion(openAIHead, WORDS.join(""), openAIUsage));
const openAIEvents = (usage: boolean) =>
  [
    openAIChunk({ role: "assistant", content: "" }, null),
    ...WORDS.slice(0, 19).map((w) => openAIChunk({ content: w }, null)),
    openAIChunk({}, "stop"),
    ...(usage ? [chatUsageChunk(openAIHead, openAIUsage)] : []),
    "data: [DONE]\n\n",
  ].map((e) => enc.encode(e));
const OPENAI_SSE = openAIEvents(false);
const OPENAI_SSE_USAGE = openAIEvents(true);

const anthropicEvent = (type: string, data: object) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const ANTHROPIC_JSON = enc.encode(JSON.stringify({
  id: "msg_bench",
  type: "message",
  role: "assistant",
  model: "claude-haiku-4-5",
  content: [{ type: "text", text: WORDS.join("") }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: {
    input_tokens: 12,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 20,
  },
}));
const ANTHROPIC_SSE = [
  anthropicEvent("message_start", {
    message: {
      id: "msg_bench",
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
      },
    },
  }),
  anthropicEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ...WORDS.slice(0, 16).map((text) =>
    anthropicEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text } })
  ),
  anthropicEvent("content_block_stop", { index: 0 }),
  anthropicEvent("message_delta", {
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { output_tokens: 20 },
  }),
  anthropicEvent("message_stop", {}),
].map((e) => enc.encode(e));

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8" };

function sse(events: Uint8Array[]): Response {
  if (DELAY === 0) {
    return new Response(
      new ReadableStream({
        start(c) {
          for (const e of events) c.enqueue(e);
          c.close();
        },
      }),
      { headers: SSE_HEADERS },
    );
  }
  let i = 0;
  let cancelled = false;
  return new Response(
    new ReadableStream({
      pull: (c) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            // A client that left: nothing more is enqueued.
            if (!cancelled) {
              c.enqueue(events[i++]);
              if (i === events.length) c.close();
            }
            resolve();
          }, DELAY);
        }),
      cancel: () => void (cancelled = true),
    }, { highWaterMark: 0 }),
    { headers: SSE_HEADERS },
  );
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const body = await req.text();
  const path = new URL(req.url).pathname;
  if (path === "/v1/traces") return new Response("{}", { headers: JSON_HEADERS });
  const stream = body.includes('"stream":true');
  if (path.endsWith("/messages")) {
    return stream ? sse(ANTHROPIC_SSE) : new Response(ANTHROPIC_JSON, { headers: JSON_HEADERS });
  }
  if (!stream) return new Response(OPENAI_JSON, { headers: JSON_HEADERS });
  return sse(body.includes('"include_usage":true') ? OPENAI_SSE_USAGE : OPENAI_SSE);
});
console.log(`listening on http://127.0.0.1:${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
