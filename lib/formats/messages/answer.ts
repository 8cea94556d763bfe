/**
 * Whole Anthropic messages read into the neutral answer and written from it.
 * Thinking keeps its signature, redacted thinking its data; a Gemini thought
 * signature on a tool call (which Anthropic has no place for) rides in a
 * thinking block of its own, so an Anthropic client replays it unchanged.
 */
import type { Answer, Block, StopReason } from "../neutral.ts";
import { emptyUsage, newId } from "../neutral.ts";
import { asArray, type Json, parseArguments } from "../json.ts";
import { fromMessagesUsage, messagesUsage } from "./usage.ts";

const STOPS: Record<string, StopReason> = {
  end_turn: "end_turn",
  max_tokens: "max_tokens",
  stop_sequence: "stop_sequence",
  tool_use: "tool_use",
  pause_turn: "pause_turn",
  refusal: "refusal",
  model_context_window_exceeded: "context_window",
};

export function stopReason(reason: unknown): StopReason {
  return STOPS[String(reason)] ?? "end_turn";
}

/** Anthropic's `stop_reason` for each stop: a provider's filter is a refusal there. */
export const STOP_REASON: Record<StopReason, string> = {
  end_turn: "end_turn",
  max_tokens: "max_tokens",
  stop_sequence: "stop_sequence",
  tool_use: "tool_use",
  pause_turn: "pause_turn",
  refusal: "refusal",
  content_filter: "refusal",
  context_window: "model_context_window_exceeded",
};

/** Marks a thinking block that only carries another provider's signature for a tool call. */
const CARRIED = "sy-carried.";

/** A Gemini thought signature for call `id`, as the signature of a thinking block. */
export function carrySignature(id: string, signature: string): string {
  return CARRIED + btoa(JSON.stringify([id, signature]));
}

/** The call id and signature a thinking block carries, when it is one of ours. */
export function carriedSignature(signature: unknown): [string, string] | null {
  if (typeof signature !== "string" || !signature.startsWith(CARRIED)) return null;
  try {
    const [id, sig] = JSON.parse(atob(signature.slice(CARRIED.length)));
    return typeof id === "string" && typeof sig === "string" ? [id, sig] : null;
  } catch {
    return null;
  }
}

/**
 * Blocks of an Anthropic message, read. Server tools (web search, code
 * execution) ran at Anthropic: their calls and results are not the client's
 * to answer, and stay out of a translated answer (its text says what they found).
 */
export function decodeBlocks(content: unknown): Block[] {
  const blocks: Block[] = [];
  for (const b of asArray(content)) {
    if (b.type === "text") blocks.push({ type: "text", text: String(b.text ?? "") });
    else if (b.type === "thinking") {
      const carried = carriedSignature(b.signature);
      const call = carried && blocks.findLast((c) => c.type === "tool_call" && c.id === carried[0]);
      if (carried) {
        if (call && call.type === "tool_call") call.signature = carried[1];
        continue;
      }
      const block: Block = { type: "reasoning", text: String(b.thinking ?? "") };
      if (typeof b.signature === "string" && b.signature) block.signature = b.signature;
      blocks.push(block);
    } else if (b.type === "redacted_thinking") {
      blocks.push({ type: "redacted_reasoning", data: String(b.data ?? "") });
    } else if (b.type === "tool_use") {
      blocks.push({
        type: "tool_call",
        id: String(b.id ?? ""),
        name: String(b.name ?? ""),
        arguments: JSON.stringify(b.input ?? {}),
      });
    }
  }
  return blocks;
}

/** A whole `message`. */
export function decodeMessage(json: Json): Answer {
  return {
    id: String(json.id ?? ""),
    model: String(json.model ?? ""),
    created: Math.floor(Date.now() / 1000),
    blocks: decodeBlocks(json.content),
    stop: stopReason(json.stop_reason),
    stopSequence: (json.stop_sequence as string | null) ?? null,
    usage: json.usage ? fromMessagesUsage(json.usage as Json) : emptyUsage(),
  };
}

/** One neutral block as Anthropic content blocks (a refusal is the model's text). */
export function contentBlocks(b: Block): Json[] {
  switch (b.type) {
    case "text":
    case "refusal":
      return [{ type: "text", text: b.text }];
    case "reasoning":
      return [{ type: "thinking", thinking: b.text, signature: b.signature ?? "" }];
    case "redacted_reasoning":
      return [{ type: "redacted_thinking", data: b.data }];
    case "tool_call": {
      const use = { type: "tool_use", id: b.id, name: b.name, input: parseArguments(b.arguments) };
      if (!b.signature) return [use];
      return [
        { type: "thinking", thinking: "", signature: carrySignature(b.id, b.signature) },
        use,
      ];
    }
  }
}

/** An id as Anthropic's are written (`msg_…`), whatever the upstream called its answer. */
export function messageId(id: string): string {
  return id.startsWith("msg_") ? id : newId("msg_");
}

/** A whole answer as an Anthropic `message` object. */
export function encodeMessage(answer: Answer): Record<string, unknown> {
  return {
    id: messageId(answer.id),
    type: "message",
    role: "assistant",
    model: answer.model,
    content: answer.blocks.flatMap(contentBlocks),
    stop_reason: STOP_REASON[answer.stop],
    stop_sequence: answer.stopSequence,
    usage: messagesUsage(answer.usage),
  };
}
