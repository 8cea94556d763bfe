/**
 * Where a finished request goes: its cost is priced, then one console line,
 * one file-log line (bodies included when asked) and the metrics — all off
 * the hot path (buffered writers; a stream's body is assembled after it ended).
 */
import type { Dashboard } from "./dashboard.ts";
import type { Price } from "../config/schema.ts";
import { costUsd } from "./cost.ts";
import type { FileLog } from "./file_log.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { type CallRecord, logLine } from "./record.ts";

export interface RecorderOptions {
  logger: Logger;
  file: FileLog | null;
  metrics: Metrics;
  /** Prices by provider name. */
  prices: Map<string, Price>;
  /** `log.bodies`: the file log carries request and response bodies. */
  bodies: boolean;
  /** Told each finished request once its cost is known: its key and deployment are charged. */
  charge?: (r: CallRecord) => void;
  /** The dashboard's rings (`server.ui`). */
  dashboard?: Dashboard;
}

export class Recorder {
  /** Lines waiting for a stream's body to be assembled. */
  readonly #pending = new Set<Promise<void>>();

  constructor(readonly options: RecorderOptions) {}

  /** True when bodies are logged (or shown on the dashboard): only then are they kept. */
  get wantsBodies(): boolean {
    return this.options.bodies && (this.options.file !== null || !!this.options.dashboard);
  }

  /** Writes out one finished request. */
  finish(r: CallRecord): void {
    const price = r.provider ? this.options.prices.get(r.provider) : undefined;
    if (price && r.usage) r.cost_usd = costUsd(r.usage, price);
    this.options.charge?.(r);
    this.options.logger.request(r);
    this.options.metrics.observe(r);
    this.options.dashboard?.add(r);
    const file = this.options.file;
    if (!file) return;
    if (typeof r.response_body === "object") {
      const done: Promise<void> = r.response_body.then(
        (body) => file.write(logLine(r, body)),
        () => file.write(logLine(r)),
      ).finally(() => this.#pending.delete(done));
      this.#pending.add(done);
    } else file.write(logLine(r, r.response_body));
  }

  /** Writes out every finished request's lines, bodies being assembled included. */
  async flush(): Promise<void> {
    await Promise.all(this.#pending);
    await this.options.file?.flush();
    await this.options.logger.flush();
  }

  /** Flushes every writer and closes the file (SIGTERM: no line is lost). */
  async close(): Promise<void> {
    await Promise.all(this.#pending);
    await this.options.file?.close();
    await this.options.logger.flush();
  }
}
