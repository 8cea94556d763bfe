/** Usage in the Responses API's shape ⇄ the neutral Usage. */
import type { Usage } from "../neutral.ts";
import { count, countIn, type Json } from "../json.ts";

/** Responses API usage. */
export function fromResponsesUsage(u: Json): Usage {
  return {
    prompt_tokens: count(u.input_tokens),
    completion_tokens: count(u.output_tokens),
    total_tokens: count(u.total_tokens) || count(u.input_tokens) + count(u.output_tokens),
    cache_read_tokens: countIn(u.input_tokens_details, "cached_tokens"),
    cache_write_tokens: 0,
    reasoning_tokens: countIn(u.output_tokens_details, "reasoning_tokens"),
  };
}

/** Usage in the Responses API's shape. */
export function responsesUsage(u: Usage): Json {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.cache_read_tokens },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.total_tokens,
  };
}
