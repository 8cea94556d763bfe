/**
 * What Gemini's and Bedrock's requests share in their making from the chat
 * shape: turns that must alternate (a run of one role's messages is one
 * turn), and the sampling settings under the names both use.
 */
import type { Json } from "./json.ts";

/** Turns `{role, [key]: [...]}`, a message of the same role as the last merged into it. */
export function alternatingTurns(key: "parts" | "content") {
  const turns: Json[] = [];
  return {
    turns,
    add(role: string, more: Json[]): void {
      if (more.length === 0) return;
      const last = turns.at(-1);
      if (last?.role === role) (last[key] as Json[]).push(...more);
      else turns.push({ role, [key]: more });
    },
  };
}

/** `temperature`, `topP`, `maxTokens` and `stopSequences` from a chat request, those it sets. */
export function sampling(chat: Json): Json {
  const out: Json = {};
  if (chat.temperature !== undefined) out.temperature = chat.temperature;
  if (chat.top_p !== undefined) out.topP = chat.top_p;
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (chat.stop !== undefined && chat.stop !== null) {
    out.stopSequences = Array.isArray(chat.stop) ? chat.stop : [chat.stop];
  }
  return out;
}
