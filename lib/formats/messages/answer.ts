/**
 * Whole Anthropic messages read into the neutral answer and written from it.
 */
import type { Answer, Block, StopReason } from "../neutral.ts";
import { emptyUsage } from "../neutral.ts";
import { type Json, parseArguments } from "../json.ts";
import { fromMessagesUsage, messagesUsage } from "./usage.ts";

const STOPS = new Set([
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
]);

export function stopReason(reason: unknown): StopReason {
  return STOPS.has(String(reason)) ? reason as StopReason : "end_turn";
}

/** A whole `message`. */
export function decodeMessage(json: Json): Answer {
  const blocks: Block[] = [];
  for (const b of (json.content as Json[] | undefined) ?? []) {
    if (b.type === "text") blocks.push({ type: "text", text: String(b.text ?? "") });
    else if (b.type === "thinking") {
      blocks.push({
        type: "reasoning",
        text: String(b.thinking ?? ""),
        signature: b.signature as string | undefined,
      });
    } else if (b.type === "tool_use" || b.type === "server_tool_use") {
      blocks.push({
        type: "tool_call",
        id: String(b.id ?? ""),
        name: String(b.name ?? ""),
        arguments: JSON.stringify(b.input ?? {}),
      });
    }
  }
  return {
    id: String(json.id ?? ""),
    model: String(json.model ?? ""),
    created: Math.floor(Date.now() / 1000),
    blocks,
    stop: stopReason(json.stop_reason),
    stopSequence: (json.stop_sequence as string | null) ?? null,
    usage: json.usage ? fromMessagesUsage(json.usage as Json) : emptyUsage(),
  };
}

function contentBlock(b: Block): Record<string, unknown> {
  switch (b.type) {
    case "text":
      return { type: "text", text: b.text };
    case "reasoning":
      return { type: "thinking", thinking: b.text, signature: b.signature ?? "" };
    case "tool_call":
      return { type: "tool_use", id: b.id, name: b.name, input: parseArguments(b.arguments) };
  }
}

/** A whole answer as an Anthropic `message` object. */
export function encodeMessage(answer: Answer): Record<string, unknown> {
  return {
    id: answer.id,
    type: "message",
    role: "assistant",
    model: answer.model,
    content: answer.blocks.map(contentBlock),
    stop_reason: answer.stop,
    stop_sequence: answer.stopSequence,
    usage: messagesUsage(answer.usage),
  };
}
