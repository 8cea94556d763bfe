/**
 * Console logging: one concise line per request at `info`, details at
 * `debug`. Lines are masked and written in batches off the hot path; warnings
 * and errors go to stderr at once.
 */
import type { CallRecord } from "./record.ts";
import { BufferedWriter } from "./writer.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();

async function writeAll(
  out: { write(p: Uint8Array): Promise<number> },
  text: string,
): Promise<void> {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += await out.write(bytes.subarray(at));
}

export class Logger {
  readonly #min: number;
  readonly #stdout: BufferedWriter;

  constructor(level: LogLevel, readonly redact: (text: string) => string = (t) => t) {
    this.#min = RANK[level];
    // A closed stdout must not stop the proxy: console lines are then lost, silently.
    this.#stdout = new BufferedWriter((text) => writeAll(Deno.stdout, redact(text)), () => {});
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#min;
  }

  debug(message: string): void {
    if (this.enabled("debug")) this.#stdout.write(`debug ${message}\n`);
  }

  info(message: string): void {
    if (this.enabled("info")) this.#stdout.write(`${message}\n`);
  }

  warn(message: string): void {
    if (this.enabled("warn")) console.warn(this.redact(`warn ${message}`));
  }

  error(message: string): void {
    if (this.enabled("error")) console.error(this.redact(`error ${message}`));
  }

  /** The request's line: method, route, model → provider/upstream model, status, latency, tokens. */
  request(r: CallRecord): void {
    if (!this.enabled("info")) return;
    const who = r.kind === "companion" ? "  companion" : `${r.method} ${r.route}`;
    const target = r.provider ? ` → ${r.provider}/${r.upstream_model}` : "";
    const tokens = r.usage ? ` ${r.usage.prompt_tokens}+${r.usage.completion_tokens} tok` : "";
    const cost = r.cost_usd ? ` $${r.cost_usd}` : "";
    const error = r.error ? ` (${r.error})` : "";
    this.#stdout.write(
      `${who} ${r.model ?? "-"}${target} ${r.status} ${r.latency_ms} ms${tokens}${cost}${error}\n`,
    );
    if (this.enabled("debug")) {
      const tries = r.attempts.map((a) =>
        `${a.provider}/${a.model} ${a.status ?? a.error} ${a.ms} ms`
      ).join(", ");
      this.#stdout.write(
        `debug ${r.request_id}: ttfb ${r.ttfb_ms} ms; attempts: ${tries || "none"}; usage ${
          JSON.stringify(r.usage)
        }\n`,
      );
    }
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> {
    return this.#stdout.flush();
  }
}
