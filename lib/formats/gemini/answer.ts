/**
 * Gemini's answers read (a `GenerateContentResponse`): the first candidate's
 * parts — thoughts (`thought: true`) as reasoning, never as text; text;
 * function calls, each given an id when Gemini sent none — its finish reason
 * and `usageMetadata` (thought tokens count as output and as reasoning;
 * cached ones are part of the prompt, as in OpenAI's usage).
 */
import type { Answer, Block, StopReason, Usage } from "../neutral.ts";
import { emptyUsage, mergeUsage, newId } from "../neutral.ts";
import { asArray, count, type Json } from "../json.ts";

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
]);

export function stopReason(reason: unknown, calledTools: boolean): StopReason {
  if (calledTools) return "tool_use";
  if (reason === "MAX_TOKENS") return "max_tokens";
  if (typeof reason === "string" && FILTERED.has(reason)) return "content_filter";
  return "end_turn";
}

export function geminiUsage(meta: Json): Usage {
  const thoughts = count(meta.thoughtsTokenCount);
  return mergeUsage(emptyUsage(), {
    prompt_tokens: count(meta.promptTokenCount) + count(meta.toolUsePromptTokenCount),
    completion_tokens: count(meta.candidatesTokenCount) + thoughts,
    cache_read_tokens: count(meta.cachedContentTokenCount),
    reasoning_tokens: thoughts,
  });
}

/** One part as a block (null: nothing a client reads, e.g. an empty text). */
export function partBlock(part: Json): Block | null {
  if (part.functionCall) {
    const call = part.functionCall as Json;
    return {
      type: "tool_call",
      id: String(call.id ?? newId("call_")),
      name: String(call.name ?? ""),
      arguments: JSON.stringify(call.args ?? {}),
      // Gemini wants it back with the call on the next turn.
      ...(typeof part.thoughtSignature === "string" ? { signature: part.thoughtSignature } : {}),
    };
  }
  if (typeof part.text !== "string" || part.text === "") return null;
  return part.thought ? { type: "reasoning", text: part.text } : { type: "text", text: part.text };
}

export function decodeGemini(json: Json): Answer {
  const candidate = asArray(json.candidates)[0] ?? {};
  const blocks = asArray((candidate.content as Json | undefined)?.parts)
    .map(partBlock).filter((b): b is Block => b !== null);
  // A prompt blocked outright comes back with no candidate, only the reason.
  const blocked = (json.promptFeedback as Json | undefined)?.blockReason;
  return {
    id: String(json.responseId ?? newId("chatcmpl-")),
    model: String(json.modelVersion ?? ""),
    created: Math.floor(Date.now() / 1000),
    blocks,
    stop: blocked
      ? "content_filter"
      : stopReason(candidate.finishReason, blocks.some((b) => b.type === "tool_call")),
    stopSequence: null,
    usage: geminiUsage((json.usageMetadata ?? {}) as Json),
  };
}
