/**
 * Whole OpenAI chat completions (and the OpenAI-compatible dialects of
 * OpenRouter, DeepSeek, vLLM, Gemini's OpenAI endpoint…) read into the
 * neutral answer and written from it. Reasoning comes as `reasoning_content`
 * (or `reasoning`), and, where a signature must come back on the next turn,
 * as OpenRouter's `reasoning_details`; Gemini's thought signatures ride on
 * each tool call (`extra_content.google.thought_signature`).
 */
import type { Answer, Block, StopReason, ToolCallBlock } from "../neutral.ts";
import { emptyUsage } from "../neutral.ts";
import { asArray, type Json } from "../json.ts";
import { chatUsage, fromChatUsage } from "./usage.ts";

const STOP: Record<string, StopReason> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "content_filter",
};

/** The stop for a `finish_reason`; an answer that was a refusal stopped because the model refused. */
export function chatStopReason(finish: unknown, refused = false): StopReason {
  const stop = STOP[String(finish)] ?? "end_turn";
  return refused && stop === "end_turn" ? "refusal" : stop;
}

/** Chat's `finish_reason` for each stop: a model's refusal is a filtered answer there. */
export const FINISH: Record<StopReason, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  context_window: "length",
  tool_use: "tool_calls",
  content_filter: "content_filter",
  refusal: "content_filter",
};

/** The `format` of reasoning details that carry Anthropic signatures (OpenRouter's name for it). */
export const SIGNED_FORMAT = "anthropic-claude-v1";

/**
 * The request field for a token limit: OpenAI's reasoning models (o1, o3,
 * o4, gpt-5…) refuse `max_tokens` ("Unsupported parameter: 'max_tokens' is
 * not supported with this model. Use 'max_completion_tokens' instead.");
 * every other OpenAI-compatible server takes `max_tokens`.
 */
export function maxTokensField(model: string): "max_tokens" | "max_completion_tokens" {
  return /^(openai\/)?(o\d|gpt-5)/.test(model) ? "max_completion_tokens" : "max_tokens";
}

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

/** Gemini's thought signature on a tool call, if it has one. */
export function thoughtSignature(call: Json): string | undefined {
  const google = ((call.extra_content as Json | undefined)?.google ?? {}) as Json;
  return typeof google.thought_signature === "string" ? google.thought_signature : undefined;
}

/** Reasoning blocks from `reasoning_details` (signed text, encrypted, summaries), else from the text fields. */
export function reasoningBlocks(m: Json): Block[] {
  const details = asArray(m.reasoning_details);
  if (details.length === 0) {
    const thought = reasoning(m);
    return thought ? [{ type: "reasoning", text: thought }] : [];
  }
  return details.flatMap((d): Block[] => {
    if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
      return [{ type: "redacted_reasoning", data: d.data }];
    }
    const said = String(d.text ?? d.summary ?? "");
    const block: Block = { type: "reasoning", text: said };
    if (typeof d.signature === "string" && d.signature) block.signature = d.signature;
    return said || block.signature ? [block] : [];
  });
}

/** A whole `chat.completion`. */
export function decodeChatCompletion(json: Json): Answer {
  const choice = (json.choices as Json[] | undefined)?.[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const blocks: Block[] = reasoningBlocks(message);
  const said = text(message.content);
  if (said) blocks.push({ type: "text", text: said });
  if (typeof message.refusal === "string" && message.refusal) {
    blocks.push({ type: "refusal", text: message.refusal });
  }
  for (const call of asArray(message.tool_calls)) {
    const fn = (call.function ?? {}) as Json;
    const block: ToolCallBlock = {
      type: "tool_call",
      id: String(call.id ?? ""),
      name: String(fn.name ?? ""),
      arguments: typeof fn.arguments === "string"
        ? fn.arguments
        : JSON.stringify(fn.arguments ?? {}),
    };
    const signature = thoughtSignature(call);
    if (signature) block.signature = signature;
    blocks.push(block);
  }
  return {
    id: String(json.id ?? ""),
    model: String(json.model ?? ""),
    created: Number(json.created ?? 0),
    blocks,
    stop: chatStopReason(choice.finish_reason, blocks.some((b) => b.type === "refusal")),
    stopSequence: null,
    usage: json.usage ? fromChatUsage(json.usage as Json) : emptyUsage(),
  };
}

/** Reasoning blocks as `reasoning_details`, when one carries what must come back (a signature, encrypted data). */
export function reasoningDetails(blocks: readonly Block[]): Json[] | undefined {
  if (
    !blocks.some((b) => b.type === "redacted_reasoning" || (b.type === "reasoning" && b.signature))
  ) {
    return undefined;
  }
  return blocks.flatMap((b, index): Json[] => {
    if (b.type === "redacted_reasoning") {
      return [{ type: "reasoning.encrypted", data: b.data, format: SIGNED_FORMAT, index }];
    }
    if (b.type !== "reasoning") return [];
    const detail: Json = { type: "reasoning.text", text: b.text, format: SIGNED_FORMAT, index };
    if (b.signature) detail.signature = b.signature;
    return [detail];
  });
}

/** A tool call block as chat's `tool_calls` entry. */
export function chatToolCall(c: ToolCallBlock): Json {
  const call: Json = {
    id: c.id,
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  };
  if (c.signature) call.extra_content = { google: { thought_signature: c.signature } };
  return call;
}

/** A whole answer as a `chat.completion` object. */
export function encodeChatCompletion(answer: Answer): Record<string, unknown> {
  const pick = <T extends Block["type"]>(type: T) =>
    answer.blocks.filter((b): b is Extract<Block, { type: T }> => b.type === type);
  const text = pick("text").map((b) => b.text).join("");
  const refusal = pick("refusal").map((b) => b.text).join("");
  const reasoning = pick("reasoning").map((b) => b.text).join("");
  const calls = pick("tool_call");
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && (calls.length > 0 || refusal !== "") ? null : text,
    refusal: refusal || null,
    annotations: [],
  };
  if (reasoning) message.reasoning_content = reasoning;
  const details = reasoningDetails(answer.blocks);
  if (details) message.reasoning_details = details;
  if (calls.length > 0) message.tool_calls = calls.map(chatToolCall);
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
