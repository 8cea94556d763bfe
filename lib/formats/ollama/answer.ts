/** Ollama's answers read: a whole `/api/chat` answer, and `/api/embed` as OpenAI embeddings. */
import { Buffer } from "node:buffer";
import type { Answer, Block, StopReason, Usage } from "../neutral.ts";
import { emptyUsage, mergeUsage, newId } from "../neutral.ts";
import { asArray, type Json } from "../json.ts";

export function stopReason(reason: unknown, calledTools: boolean): StopReason {
  if (calledTools) return "tool_use";
  return reason === "length" ? "max_tokens" : "end_turn";
}

export function usage(line: Json): Partial<Usage> {
  return {
    prompt_tokens: Number(line.prompt_eval_count ?? 0),
    completion_tokens: Number(line.eval_count ?? 0),
  };
}

export function toolBlocks(message: Json): Block[] {
  return asArray(message.tool_calls).map((c) => {
    const fn = (c.function ?? {}) as Json;
    return {
      type: "tool_call",
      id: String(c.id ?? newId("call_")),
      name: String(fn.name ?? ""),
      arguments: JSON.stringify(fn.arguments ?? {}),
    };
  });
}

/** A whole `/api/chat` answer. */
export function decodeOllamaChat(json: Json): Answer {
  const message = (json.message ?? {}) as Json;
  const blocks: Block[] = [];
  if (message.thinking) blocks.push({ type: "reasoning", text: String(message.thinking) });
  if (message.content) blocks.push({ type: "text", text: String(message.content) });
  const tools = toolBlocks(message);
  blocks.push(...tools);
  return {
    id: newId("chatcmpl-"),
    model: String(json.model ?? ""),
    created: Math.floor(Date.parse(String(json.created_at ?? "")) / 1000) ||
      Math.floor(Date.now() / 1000),
    blocks,
    stop: stopReason(json.done_reason, tools.length > 0),
    stopSequence: null,
    usage: mergeUsage(emptyUsage(), usage(json)),
  };
}

/** Floats as OpenAI's base64 encoding: little-endian float32 (what the OpenAI SDKs ask for by default). */
function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

/** An Ollama `/api/embed` answer as an OpenAI embeddings response. */
export function ollamaToEmbeddings(json: Json, request: Json): Json {
  const base64 = request.encoding_format === "base64";
  const prompt = Number(json.prompt_eval_count ?? 0);
  return {
    object: "list",
    data: (json.embeddings as number[][] | undefined ?? []).map((embedding, index) => ({
      object: "embedding",
      index,
      embedding: base64 ? base64Floats(embedding) : embedding,
    })),
    model: request.model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}
