/**
 * Usage in Anthropic's shape ⇄ the neutral Usage: `input_tokens` exclude
 * cache reads and writes (SPEC §7), which the neutral prompt tokens include.
 */
import type { Usage } from "../neutral.ts";
import { count, type Json } from "../json.ts";

/** Anthropic usage, merged over a whole answer (message_start + message_delta). */
export function fromMessagesUsage(u: Json): Usage {
  const read = count(u.cache_read_input_tokens);
  const write = count(u.cache_creation_input_tokens);
  const prompt = count(u.input_tokens) + read + write;
  return {
    prompt_tokens: prompt,
    completion_tokens: count(u.output_tokens),
    total_tokens: prompt + count(u.output_tokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
    reasoning_tokens: 0,
  };
}

/** Usage in Anthropic's shape: `input_tokens` excludes cache reads and writes. */
export function messagesUsage(u: Usage): Record<string, number> {
  return {
    input_tokens: Math.max(0, u.prompt_tokens - u.cache_read_tokens - u.cache_write_tokens),
    cache_creation_input_tokens: u.cache_write_tokens,
    cache_read_input_tokens: u.cache_read_tokens,
    output_tokens: u.completion_tokens,
  };
}
