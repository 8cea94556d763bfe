/**
 * Gemini's `streamGenerateContent?alt=sse` read into neutral events: each
 * `data:` is a partial `GenerateContentResponse`; text and thoughts come in
 * pieces, a function call whole; `usageMetadata` grows as it goes (the last
 * one counts); the chunk with a `finishReason` ends the answer.
 */
import type { EventSourceMessage } from "../sse.ts";
import { eventJson } from "../sse.ts";
import type { AnswerEvent } from "../neutral.ts";
import { asArray, type Json } from "../json.ts";
import { cutShort, midStreamError } from "../../errors.ts";
import { geminiUsage, partBlock, stopReason } from "./answer.ts";

export function geminiStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  let started = false;
  let tools = 0;
  let finish: unknown;
  let usage: Json | undefined;
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    transform(message, out) {
      const json = eventJson(message);
      if (json.error) throw midStreamError(json.error);
      if (!started) {
        started = true;
        out.enqueue({
          type: "start",
          id: String(json.responseId ?? ""),
          model: String(json.modelVersion ?? ""),
          created: Math.floor(Date.now() / 1000),
        });
      }
      const candidate = asArray(json.candidates)[0] ?? {};
      for (const part of asArray((candidate.content as Json | undefined)?.parts)) {
        const block = partBlock(part);
        if (!block) continue;
        if (block.type === "tool_call") {
          const index = tools++;
          out.enqueue({
            type: "tool_call",
            index,
            id: block.id,
            name: block.name,
            ...(block.signature ? { signature: block.signature } : {}),
          });
          out.enqueue({ type: "tool_args", index, arguments: block.arguments });
        } else if (block.type === "reasoning" || block.type === "text") {
          out.enqueue({ type: block.type, text: block.text });
        }
      }
      if (json.usageMetadata) usage = json.usageMetadata as Json;
      if (candidate.finishReason) finish = candidate.finishReason;
      // A prompt blocked outright: no candidate, only the reason.
      else if ((json.promptFeedback as Json | undefined)?.blockReason) finish = "SAFETY";
    },
    flush(out) {
      // A stream that closed before any chunk said why it ended was cut short.
      if (finish === undefined) throw cutShort("a finishReason");
      if (usage) out.enqueue({ type: "usage", usage: geminiUsage(usage) });
      out.enqueue({ type: "finish", stop: stopReason(finish, tools > 0) });
    },
  });
}
