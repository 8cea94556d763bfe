/**
 * Answers made up in-process, in the caller's own API (chat or messages),
 * whole or streamed: what the built-in `echo` and `mock` providers send.
 */
import type { AnswerEvent } from "../formats/neutral.ts";
import { emptyUsage, estimateTokens, mergeUsage, newId } from "../formats/neutral.ts";
import { wireFormat } from "../formats/index.ts";
import { SSE_HEADERS } from "../formats/sse.ts";
import { allPromptText } from "../formats/text.ts";
import { sleep } from "../sleep.ts";
import type { UpstreamCall } from "./types.ts";

export interface SyntheticOptions {
  text: string;
  /** How many pieces a stream sends the text in; default: one per word. */
  chunks?: number;
  /** Pause before each streamed piece. */
  chunkDelayMs?: number;
}

const JSON_HEADERS = { "content-type": "application/json" };

function pieces(text: string, chunks: number | undefined): string[] {
  if (chunks === undefined) return text.match(/\S+\s*|\s+/g) ?? [];
  const size = Math.ceil(text.length / chunks) || 1;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The answer `text` to `call`, as the Response the call's API would give. */
export function syntheticResponse(call: UpstreamCall, options: SyntheticOptions): Response {
  const messages = call.api === "messages";
  const format = wireFormat(call.api)!;
  const id = newId(messages ? "msg_" : "chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const usage = mergeUsage(emptyUsage(), {
    prompt_tokens: estimateTokens(allPromptText(call.body)),
    completion_tokens: estimateTokens(options.text),
  });
  if (!call.stream) {
    const answer = {
      id,
      model: call.model,
      created,
      blocks: [{ type: "text" as const, text: options.text }],
      stop: "end_turn" as const,
      stopSequence: null,
      usage,
    };
    const body = format.encodeAnswer!(answer, call.body);
    return new Response(JSON.stringify(body), { headers: JSON_HEADERS });
  }

  // Input tokens are known up front (Anthropic reports them in message_start), output at the end.
  const events: AnswerEvent[] = [
    { type: "usage", usage: { prompt_tokens: usage.prompt_tokens } },
    { type: "start", id, model: call.model, created },
    ...pieces(options.text, options.chunks).map((text): AnswerEvent => ({ type: "text", text })),
    { type: "usage", usage },
    { type: "finish", stop: "end_turn" },
  ];
  let next = 0;
  const source = new ReadableStream<AnswerEvent>({
    async pull(controller) {
      const ev = events[next++];
      if (ev.type === "text" && options.chunkDelayMs) {
        await sleep(options.chunkDelayMs, call.signal);
      }
      controller.enqueue(ev);
      if (next === events.length) controller.close();
    },
  }, { highWaterMark: 0 });
  const body = source.pipeThrough(format.streamEncoder!(call.body))
    .pipeThrough(new TextEncoderStream());
  return new Response(body, { headers: SSE_HEADERS });
}
