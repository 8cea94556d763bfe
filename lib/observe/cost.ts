/**
 * Cost in USD (SPEC §7): each token at its own rate — uncached input, cache
 * reads, cache writes (both default to the input price) and output.
 */
import type { Price } from "../config/schema.ts";
import type { Usage } from "../formats/neutral.ts";

export function costUsd(u: Usage, p: Price): number {
  const uncached = Math.max(0, u.prompt_tokens - u.cache_read_tokens - u.cache_write_tokens);
  const cost = uncached * p.input_per_mtok +
    u.cache_read_tokens * (p.cache_read_per_mtok ?? p.input_per_mtok) +
    u.cache_write_tokens * (p.cache_write_per_mtok ?? p.input_per_mtok) +
    u.completion_tokens * p.output_per_mtok;
  // Per million tokens; rounded to a billionth of a dollar so sums stay readable.
  return Math.round(cost * 1000) / 1e9;
}
