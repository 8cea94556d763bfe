/**
 * OpenAI chat streams (`chat.completion.chunk` events, ending in `data:
 * [DONE]`; https://platform.openai.com/docs/api-reference/chat-streaming)
 * read into neutral events and written from them.
 */
import type { AnswerEvent } from "../neutral.ts";
import type { Json } from "../json.ts";
import { emptyUsage, mergeUsage } from "../neutral.ts";
import { eventJson, type EventSourceMessage } from "../sse.ts";
import { midStreamError } from "../../errors.ts";
import { chatStopReason, FINISH, reasoning, text } from "./answer.ts";
import { chatUsage, fromChatUsage } from "./usage.ts";

/** A streamed completion's SSE messages to neutral events. */
export function chatStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  let started = false;
  /** OpenAI tool call index → whether its start was announced. */
  const calls = new Set<number>();
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    transform(message, out) {
      if (message.data === "[DONE]") return;
      const chunk = eventJson(message);
      if (chunk.error) {
        const err = chunk.error as Json;
        throw midStreamError(err);
      }
      if (!started) {
        started = true;
        out.enqueue({
          type: "start",
          id: String(chunk.id ?? ""),
          model: String(chunk.model ?? ""),
          created: Number(chunk.created ?? 0),
        });
      }
      for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
        const delta = (choice.delta ?? {}) as Json;
        const thought = reasoning(delta);
        if (thought) out.enqueue({ type: "reasoning", text: thought });
        const said = text(delta.content);
        if (said) out.enqueue({ type: "text", text: said });
        for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
          const index = Number(call.index ?? 0);
          const fn = (call.function ?? {}) as Json;
          if (!calls.has(index)) {
            calls.add(index);
            out.enqueue({
              type: "tool_call",
              index,
              id: String(call.id ?? ""),
              name: String(fn.name ?? ""),
            });
          }
          if (typeof fn.arguments === "string" && fn.arguments !== "") {
            out.enqueue({ type: "tool_args", index, arguments: fn.arguments });
          }
        }
        if (choice.finish_reason) {
          out.enqueue({ type: "finish", stop: chatStopReason(choice.finish_reason) });
        }
      }
      if (chunk.usage) out.enqueue({ type: "usage", usage: fromChatUsage(chunk.usage as Json) });
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
      switch (ev.type) {
        case "start":
          head = { id: ev.id, created: ev.created, model: ev.model };
          out.enqueue(chunk({ role: "assistant", content: "", refusal: null }));
          break;
        case "text":
          out.enqueue(chunk({ content: ev.text }));
          break;
        case "reasoning":
          out.enqueue(chunk({ reasoning_content: ev.text }));
          break;
        case "signature":
          break; // OpenAI has no place for it
        case "tool_call":
          out.enqueue(chunk({
            tool_calls: [{
              index: ev.index,
              id: ev.id,
              type: "function",
              function: { name: ev.name, arguments: "" },
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
