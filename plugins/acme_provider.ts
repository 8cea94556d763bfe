/**
 * Example: a provider type for an imaginary HTTP API, "Acme Generate".
 *
 *   POST {base_url}/v1/generate   X-Acme-Key: <api_key>
 *   { "prompt": "...", "max_new_tokens": 256, "temperature": 0.7, "stream": false }
 *   → { "completion": "...", "finish": "stop" | "length", "usage": { "in": 12, "out": 7 } }
 *   stream → NDJSON lines { "token": "..." } … then { "done": true, "finish": "stop", "usage": {…} }
 *
 * The provider speaks OpenAI chat to switchyard (`apis: ["chat"]`), so Anthropic
 * and Responses API clients reach it through switchyard's translation, and
 * routing, fallback, transforms, the splitter and logs all work on it.
 *
 *   plugins: [./plugins/acme_provider.ts]
 *   providers:
 *     acme: { type: acme, base_url: https://api.acme.example, api_key: "${ACME_KEY}",
 *             options: { default_max_tokens: 512 } }
 */
import { definePlugin, type UpstreamCall } from "../lib/plugin.ts";

type Json = Record<string, unknown>;

/** The chat transcript as Acme's single prompt. */
function prompt(body: Json): string {
  const lines = ((body.messages ?? []) as Json[]).map((m) => {
    const content = typeof m.content === "string"
      ? m.content
      : ((m.content ?? []) as Json[]).map((p) => p.text ?? "").join("");
    return `${m.role}: ${content}`;
  });
  return `${lines.join("\n")}\nassistant:`;
}

const FINISH: Record<string, string> = { stop: "stop", length: "length" };

function chatCompletion(model: string, text: string, finish: string, usage: Json): Json {
  return {
    id: `chatcmpl-acme-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{
      index: 0,
      message: { role: "assistant", content: text },
      finish_reason: FINISH[finish] ?? "stop",
    }],
    usage: {
      prompt_tokens: usage.in ?? 0,
      completion_tokens: usage.out ?? 0,
      total_tokens: Number(usage.in ?? 0) + Number(usage.out ?? 0),
    },
  };
}

/** Acme's NDJSON tokens as OpenAI `chat.completion.chunk` events. */
function chunksFrom(model: string, includeUsage: boolean): TransformStream<string, string> {
  const id = `chatcmpl-acme-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const event = (choices: unknown[], extra: Json = {}) =>
    `data: ${
      JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })
    }\n\n`;
  let buffer = "";
  let first = true;
  return new TransformStream<string, string>({
    transform(text, out) {
      buffer += text;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) {
        const msg = JSON.parse(line);
        if (first) {
          out.enqueue(
            event([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
          );
        }
        first = false;
        if (msg.token) {
          out.enqueue(event([{ index: 0, delta: { content: msg.token }, finish_reason: null }]));
        }
        if (msg.done) {
          out.enqueue(
            event([{ index: 0, delta: {}, finish_reason: FINISH[msg.finish] ?? "stop" }]),
          );
          const u = msg.usage ?? {};
          const usage = {
            prompt_tokens: u.in ?? 0,
            completion_tokens: u.out ?? 0,
            total_tokens: (u.in ?? 0) + (u.out ?? 0),
          };
          if (includeUsage) out.enqueue(event([], { usage }));
          out.enqueue("data: [DONE]\n\n");
        }
      }
    },
  });
}

export default definePlugin({
  name: "acme",
  providers: {
    acme: ({ config }) => {
      const base = (config.base_url ?? "https://api.acme.example").replace(/\/+$/, "");
      const defaultMax = Number(config.options.default_max_tokens ?? 256);
      const send = async (call: UpstreamCall): Promise<Response> => {
        const res = await fetch(`${base}/v1/generate`, {
          method: "POST",
          signal: call.signal,
          headers: { "content-type": "application/json", "x-acme-key": config.api_key ?? "" },
          body: JSON.stringify({
            prompt: prompt(call.body),
            max_new_tokens: call.body.max_tokens ?? call.body.max_completion_tokens ?? defaultMax,
            temperature: call.body.temperature,
            stream: call.stream,
          }),
        });
        // Errors keep their status (so routing can retry or fall back) in OpenAI's shape.
        if (!res.ok) {
          const message = await res.text();
          return Response.json({
            error: { message: `acme: ${message}`, type: "upstream_error", code: null },
          }, { status: res.status });
        }
        if (!call.stream) {
          const answer = await res.json();
          return Response.json(
            chatCompletion(call.model, answer.completion, answer.finish, answer.usage ?? {}),
          );
        }
        const includeUsage = (call.body.stream_options as Json | undefined)?.include_usage === true;
        const body = res.body!
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(chunksFrom(call.model, includeUsage))
          .pipeThrough(new TextEncoderStream());
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      };
      return { apis: ["chat"], complete: send, stream: send };
    },
  },
});
