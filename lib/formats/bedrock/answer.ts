/**
 * Converse answers read: the message's content blocks (reasoning, text,
 * `toolUse`), the stop reason, and usage — Bedrock's `inputTokens` leave out
 * cache reads and writes, which are part of the prompt as OpenAI counts it.
 */
import type { Answer, Block, StopReason, Usage } from "../neutral.ts";
import { emptyUsage, mergeUsage, newId } from "../neutral.ts";
import { asArray, count, type Json } from "../json.ts";

const STOPS: Record<string, StopReason> = {
  end_turn: "end_turn",
  tool_use: "tool_use",
  max_tokens: "max_tokens",
  stop_sequence: "stop_sequence",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
  model_context_window_exceeded: "context_window",
};

export const stopReason = (reason: unknown): StopReason => STOPS[String(reason)] ?? "end_turn";

export function converseUsage(u: Json): Usage {
  const read = count(u.cacheReadInputTokens);
  const write = count(u.cacheWriteInputTokens);
  return mergeUsage(emptyUsage(), {
    prompt_tokens: count(u.inputTokens) + read + write,
    completion_tokens: count(u.outputTokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
  });
}

export function decodeConverse(json: Json): Answer {
  const message = ((json.output as Json | undefined)?.message ?? {}) as Json;
  const blocks: Block[] = asArray(message.content).flatMap((b): Block[] => {
    if (typeof b.text === "string") return [{ type: "text", text: b.text }];
    if (b.toolUse) {
      const t = b.toolUse as Json;
      return [{
        type: "tool_call",
        id: String(t.toolUseId ?? newId("tooluse_")),
        name: String(t.name ?? ""),
        arguments: JSON.stringify(t.input ?? {}),
      }];
    }
    const reasoning = (b.reasoningContent as Json | undefined)?.reasoningText as Json | undefined;
    if (reasoning?.text) {
      return [{
        type: "reasoning",
        text: String(reasoning.text),
        ...(reasoning.signature ? { signature: String(reasoning.signature) } : {}),
      }];
    }
    return [];
  });
  return {
    id: newId("msg_"),
    model: "",
    created: Math.floor(Date.now() / 1000),
    blocks,
    stop: stopReason(json.stopReason),
    stopSequence: null,
    usage: converseUsage((json.usage ?? {}) as Json),
  };
}
