/**
 * When to try the same deployment again, and how long to wait first:
 * exponential backoff with jitter, capped; `Retry-After` honoured when it fits
 * under the cap, else the deployment is given up for the next.
 */
import type { RetryConfig } from "../config/schema.ts";
import type { Failed } from "./attempt.ts";

/** True for failures the same deployment may get past: listed statuses, network errors, timeouts. */
export function retryable(f: Failed, config: RetryConfig): boolean {
  return f.status === null || config.on_status.includes(f.status);
}

/**
 * Milliseconds to wait before try `n + 1` (n ≥ 1), or null when the upstream
 * asks for longer than `max_backoff_ms`: then the next deployment goes at once.
 */
export function retryDelayMs(
  n: number,
  f: Failed,
  config: RetryConfig,
  random: () => number = Math.random,
): number | null {
  if (f.retryAfterS !== undefined) {
    const asked = f.retryAfterS * 1000;
    return asked <= config.max_backoff_ms ? asked : null;
  }
  const base = config.backoff_ms * 2 ** (n - 1);
  return Math.min(config.max_backoff_ms, base + random() * config.backoff_ms);
}
