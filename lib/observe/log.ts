/**
 * Console logging: one concise line per request at `info`, details at `debug`.
 */
import type { CallRecord } from "./record.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Logger {
  readonly #min: number;

  constructor(level: LogLevel) {
    this.#min = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#min;
  }

  debug(message: string): void {
    if (this.enabled("debug")) console.debug(`debug ${message}`);
  }

  info(message: string): void {
    if (this.enabled("info")) console.log(message);
  }

  warn(message: string): void {
    if (this.enabled("warn")) console.warn(`warn ${message}`);
  }

  error(message: string): void {
    if (this.enabled("error")) console.error(`error ${message}`);
  }

  /** The request's one line: method, route, model → provider/upstream model, status, latency, tokens. */
  request(r: CallRecord): void {
    if (!this.enabled("info")) return;
    const target = r.provider ? ` → ${r.provider}/${r.upstream_model}` : "";
    const tokens = r.usage ? ` ${r.usage.prompt_tokens}+${r.usage.completion_tokens} tok` : "";
    const error = r.error ? ` (${r.error})` : "";
    console.log(
      `${r.method} ${r.route} ${
        r.model ?? "-"
      }${target} ${r.status} ${r.latency_ms} ms${tokens}${error}`,
    );
  }
}
