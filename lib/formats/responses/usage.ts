/** Usage in the Responses API's shape ⇄ the neutral Usage. */
import type { Usage } from "../neutral.ts";
import type { Json } from "../json.ts";
import { openAIUsage } from "../chat/usage.ts";

/** Responses API usage. */
export const fromResponsesUsage = openAIUsage("input", "output");

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
