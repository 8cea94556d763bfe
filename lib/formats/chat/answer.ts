/**
 * Whole OpenAI chat completions (and the OpenAI-compatible dialects of
 * OpenRouter, DeepSeek, vLLM…) read into the neutral answer and written from it.
 */
import type { Answer, Block, StopReason } from "../neutral.ts";
import { emptyUsage } from "../neutral.ts";
import type { Json } from "../json.ts";
import { chatUsage, fromChatUsage } from "./usage.ts";

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

export const FINISH: Record<StopReason, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  content_filter: "content_filter",
  refusal: "content_filter",
};

/** Text of a message content: a string, or text parts. */
export function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
}

/** Reasoning text under either name OpenAI-compatible servers use. */
export function reasoning(m: Json): string {
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

/** A whole answer as a `chat.completion` object. */
export function encodeChatCompletion(answer: Answer): Record<string, unknown> {
  const text = answer.blocks.filter((b) => b.type === "text").map((b) => b.text).join("");
  const reasoning = answer.blocks.filter((b) => b.type === "reasoning").map((b) => b.text).join("");
  const calls = answer.blocks.filter((b) => b.type === "tool_call");
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    refusal: null,
    annotations: [],
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length > 0) {
    message.tool_calls = calls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: answer.id,
    object: "chat.completion",
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[answer.stop] }],
    usage: chatUsage(answer.usage),
    system_fingerprint: null,
  };
}
