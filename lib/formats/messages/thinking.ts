/** What both directions between chat and Anthropic agree on for reasoning and tool results. */

/** Anthropic thinking budgets for OpenAI's `reasoning_effort` levels. */
export const BUDGET: Record<string, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
};

/** `reasoning_effort` for an Anthropic thinking budget. */
export function effortFor(budget: number): string {
  return budget <= 2048 ? "low" : budget <= 8192 ? "medium" : budget <= 16384 ? "high" : "xhigh";
}

/**
 * How a failed tool result reads on the chat side, which has no flag for it
 * (Anthropic's `is_error`): its text starts with this. A switchyard convention,
 * read back the same way.
 */
export const TOOL_ERROR = "[tool error] ";
