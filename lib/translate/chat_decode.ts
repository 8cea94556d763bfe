/**
 * OpenAI chat completions (and the OpenAI-compatible dialects of OpenRouter,
 * DeepSeek, vLLM…) read into the neutral answer: a whole `chat.completion`, or
 * the `chat.completion.chunk` stream event by event.
 */
import { UpstreamFailure } from "../providers/types.ts";
import type { Answer, AnswerEvent, Block, StopReason } from "./answer.ts";
import { emptyUsage } from "./answer.ts";
import { eventJson, type EventSourceMessage } from "./sse.ts";
import { fromChatUsage } from "./usage.ts";

type Json = Record<string, unknown>;

const STOP: Record<string, StopReason> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "content_filter",
};

export function chatStopReason(finish: unknown): StopReason {
  return STOP[String(finish)] ?? "end_turn";
}

/** Text of a message content: a string, or text parts. */
function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
}

/** Reasoning text under either name OpenAI-compatible servers use. */
function reasoning(m: Json): string {
  return text(m.reasoning_content ?? m.reasoning);
}

/** A whole `chat.completion`. */
export function decodeChatCompletion(json: Json): Answer {
  const choice = (json.choices as Json[] | undefined)?.[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const blocks: Block[] = [];
  const thought = reasoning(message);
  if (thought) blocks.push({ type: "reasoning", text: thought });
  const said = text(message.content) ||
    (typeof message.refusal === "string" ? message.refusal : "");
  if (said) blocks.push({ type: "text", text: said });
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function ?? {}) as Json;
    blocks.push({
      type: "tool_call",
      id: String(call.id ?? ""),
      name: String(fn.name ?? ""),
      arguments: typeof fn.arguments === "string"
        ? fn.arguments
        : JSON.stringify(fn.arguments ?? {}),
    });
  }
  return {
    id: String(json.id ?? ""),
    model: String(json.model ?? ""),
    created: Number(json.created ?? 0),
    blocks,
    stop: chatStopReason(choice.finish_reason),
    stopSequence: null,
    usage: json.usage ? fromChatUsage(json.usage as Json) : emptyUsage(),
  };
}

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
        throw new UpstreamFailure(
          "network",
          `upstream error mid-stream: ${err.message ?? JSON.stringify(err)}`,
        );
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
