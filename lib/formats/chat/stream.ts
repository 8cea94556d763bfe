/**
 * OpenAI chat streams (`chat.completion.chunk` events, ending in `data:
 * [DONE]`; https://platform.openai.com/docs/api-reference/chat-streaming)
 * read into neutral events and written from them.
 */
import type { AnswerEvent } from "../neutral.ts";
import { asArray, type Json } from "../json.ts";
import { emptyUsage, mergeUsage } from "../neutral.ts";
import { eventJson, type EventSourceMessage } from "../sse.ts";
import { cutShort, midStreamError } from "../../errors.ts";
import {
  chatStopReason,
  FINISH,
  reasoning,
  SIGNED_FORMAT,
  text,
  thoughtSignature,
} from "./answer.ts";
import { chatUsage, fromChatUsage } from "./usage.ts";

/** A streamed completion's SSE messages to neutral events; one that ends before its finish is a failure. */
export function chatStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  let started = false;
  let ended = false;
  let refused = false;
  /** OpenAI tool call index → whether its start was announced. */
  const calls = new Set<number>();
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    transform(message, out) {
      if (message.data === "[DONE]") return void (ended = true);
      const chunk = eventJson(message);
      if (chunk.error) throw midStreamError(chunk.error);
      if (!started) {
        started = true;
        out.enqueue({
          type: "start",
          id: String(chunk.id ?? ""),
          model: String(chunk.model ?? ""),
          created: Number(chunk.created ?? 0),
        });
      }
      for (const choice of asArray(chunk.choices)) {
        const delta = (choice.delta ?? {}) as Json;
        const details = asArray(delta.reasoning_details);
        // OpenRouter sends its reasoning twice, as text and as details: the details carry the signatures.
        if (details.length === 0) {
          const thought = reasoning(delta);
          if (thought) out.enqueue({ type: "reasoning", text: thought });
        }
        for (const d of details) {
          if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
            out.enqueue({ type: "redacted_reasoning", data: d.data });
            continue;
          }
          const said = String(d.text ?? d.summary ?? "");
          if (said) out.enqueue({ type: "reasoning", text: said });
          if (typeof d.signature === "string" && d.signature) {
            out.enqueue({ type: "signature", signature: d.signature });
          }
        }
        const said = text(delta.content);
        if (said) out.enqueue({ type: "text", text: said });
        if (typeof delta.refusal === "string" && delta.refusal) {
          refused = true;
          out.enqueue({ type: "refusal", text: delta.refusal });
        }
        for (const call of asArray(delta.tool_calls)) {
          const index = Number(call.index ?? 0);
          const fn = (call.function ?? {}) as Json;
          if (!calls.has(index)) {
            calls.add(index);
            out.enqueue({
              type: "tool_call",
              index,
              id: String(call.id ?? ""),
              name: String(fn.name ?? ""),
              ...(thoughtSignature(call) ? { signature: thoughtSignature(call) } : {}),
            });
          }
          if (typeof fn.arguments === "string" && fn.arguments !== "") {
            out.enqueue({ type: "tool_args", index, arguments: fn.arguments });
          }
        }
        if (choice.finish_reason) {
          ended = true;
          out.enqueue({ type: "finish", stop: chatStopReason(choice.finish_reason, refused) });
        }
      }
      if (chunk.usage) out.enqueue({ type: "usage", usage: fromChatUsage(chunk.usage as Json) });
    },
    flush() {
      if (!ended) throw cutShort("a finish_reason or data: [DONE]");
    },
  });
}

export interface ChatStreamOptions {
  /** The client asked for `stream_options.include_usage`: end with a usage chunk. */
  includeUsage: boolean;
}

/** Neutral events to OpenAI chat SSE text. */
export function chatStreamEncoder(
  options: ChatStreamOptions,
): TransformStream<AnswerEvent, string> {
  let head = { id: "", created: 0, model: "" };
  const usage = emptyUsage();
  let finished = false;
  /**
   * The signed and redacted reasoning so far, each delta that has any carrying
   * them all: the OpenAI SDK keeps a field's last value (Object.assign), so
   * the last such delta must hold every block the next turn sends back. And
   * the open thinking block's text.
   */
  const details: Json[] = [];
  let thought: string | null = null;
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${
      JSON.stringify({
        id: head.id,
        object: "chat.completion.chunk",
        created: head.created,
        model: head.model,
        system_fingerprint: null,
        choices,
        ...extra,
      })
    }\n\n`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    event([{ index: 0, delta, logprobs: null, finish_reason: finish }]);
  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      if (thought !== null && ev.type !== "reasoning" && ev.type !== "signature") thought = null;
      switch (ev.type) {
        case "start":
          head = { id: ev.id, created: ev.created, model: ev.model };
          out.enqueue(chunk({ role: "assistant", content: "", refusal: null }));
          break;
        case "text":
          out.enqueue(chunk({ content: ev.text }));
          break;
        case "refusal":
          out.enqueue(chunk({ refusal: ev.text }));
          break;
        case "reasoning":
          thought = (thought ?? "") + ev.text;
          out.enqueue(chunk({ reasoning_content: ev.text }));
          break;
        case "signature":
          // The signature closes its thinking block, which must come back whole, word for word.
          details.push({
            type: "reasoning.text",
            text: thought ?? "",
            signature: ev.signature,
            format: SIGNED_FORMAT,
            index: details.length,
          });
          out.enqueue(chunk({ reasoning_details: [...details] }));
          thought = null;
          break;
        case "redacted_reasoning":
          details.push({
            type: "reasoning.encrypted",
            data: ev.data,
            format: SIGNED_FORMAT,
            index: details.length,
          });
          out.enqueue(chunk({ reasoning_details: [...details] }));
          break;
        case "tool_call":
          out.enqueue(chunk({
            tool_calls: [{
              index: ev.index,
              id: ev.id,
              type: "function",
              function: { name: ev.name, arguments: "" },
              ...(ev.signature
                ? { extra_content: { google: { thought_signature: ev.signature } } }
                : {}),
            }],
          }));
          break;
        case "tool_args":
          out.enqueue(
            chunk({ tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] }),
          );
          break;
        case "usage":
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          finished = true;
          out.enqueue(chunk({}, FINISH[ev.stop]));
          break;
      }
    },
    flush(out) {
      if (!finished) out.enqueue(chunk({}, "stop"));
      if (options.includeUsage) out.enqueue(event([], { usage: chatUsage(usage) }));
      out.enqueue("data: [DONE]\n\n");
    },
  });
}
