/**
 * Usage in each wire format ⇄ the neutral {@link Usage}. OpenAI's
 * `prompt_tokens` include cached input; Anthropic's `input_tokens` exclude
 * cache reads and writes (SPEC §7), so both meet in OpenAI's sense.
 */
import type { Api } from "../providers/types.ts";
import type { Usage } from "./answer.ts";

type Raw = Record<string, unknown>;
const n = (v: unknown): number => (typeof v === "number" ? v : 0);
const detail = (v: unknown, key: string): number => n((v as Raw | undefined)?.[key]);

/** OpenAI chat/completions/embeddings usage. */
export function fromChatUsage(u: Raw): Usage {
  return {
    prompt_tokens: n(u.prompt_tokens),
    completion_tokens: n(u.completion_tokens),
    total_tokens: n(u.total_tokens) || n(u.prompt_tokens) + n(u.completion_tokens),
    cache_read_tokens: detail(u.prompt_tokens_details, "cached_tokens"),
    cache_write_tokens: 0,
    reasoning_tokens: detail(u.completion_tokens_details, "reasoning_tokens"),
  };
}

/** Anthropic usage, merged over a whole answer (message_start + message_delta). */
export function fromMessagesUsage(u: Raw): Usage {
  const read = n(u.cache_read_input_tokens);
  const write = n(u.cache_creation_input_tokens);
  const prompt = n(u.input_tokens) + read + write;
  return {
    prompt_tokens: prompt,
    completion_tokens: n(u.output_tokens),
    total_tokens: prompt + n(u.output_tokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
    reasoning_tokens: 0,
  };
}

/** Responses API usage. */
export function fromResponsesUsage(u: Raw): Usage {
  return {
    prompt_tokens: n(u.input_tokens),
    completion_tokens: n(u.output_tokens),
    total_tokens: n(u.total_tokens) || n(u.input_tokens) + n(u.output_tokens),
    cache_read_tokens: detail(u.input_tokens_details, "cached_tokens"),
    cache_write_tokens: 0,
    reasoning_tokens: detail(u.output_tokens_details, "reasoning_tokens"),
  };
}

/** The reader for an API's usage objects; undefined where an API reports none. */
export function usageReader(api: Api): ((u: Raw) => Usage) | undefined {
  switch (api) {
    case "chat":
    case "completions":
    case "embeddings":
      return fromChatUsage;
    case "messages":
      return fromMessagesUsage;
    case "responses":
      return fromResponsesUsage;
    default:
      return undefined;
  }
}

/** Usage in OpenAI's shape, cached and reasoning tokens in their detail objects. */
export function chatUsage(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: { cached_tokens: u.cache_read_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
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
