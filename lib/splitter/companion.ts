/**
 * One companion request under way: routed once (never retried — it is an
 * extra, and late is as good as never), read in the upstream's format, its
 * text handed out piece by piece. It can only add to the main answer: a
 * failure, a timeout or a cancel ends it quietly, with its own log line.
 */
import type { Logger } from "../observe/log.ts";
import type { Routed } from "../routing/router.ts";
import { AnswerCollector, answerText } from "../formats/neutral.ts";
import type { CallRecord } from "../observe/record.ts";
import { wireFormat } from "../formats/index.ts";
import type { TextRewriter } from "../transforms/response_regex.ts";

export interface CompanionOptions {
  /** Routes the companion request, one try; aborted with the signal it is given. */
  start: (signal: AbortSignal) => Promise<Routed>;
  /** `splitter.timeout_s`, from the start. */
  timeoutMs: number;
  logger: Logger;
  requestId: string;
  /** The client's: a client that leaves cancels the companion too. */
  clientSignal: AbortSignal;
  /** Rewrites the companion's text like the main answer's (`response_regex`). */
  rewriter?: TextRewriter;
  /** Plugins' `onChunk` hooks, run on the companion's text like the main stream's. */
  onChunk?: (text: string) => Promise<string>;
  /** The companion's own log record (linked to the main one by its request id). */
  record: CallRecord;
  /** Called once with the record when the companion is done, failed or not. */
  onDone: (record: CallRecord) => void;
  /** The most of the companion's answer held (`server.max_response_mb`). */
  maxChars: number;
}

/** Why a companion stopped before its end, as its log line says it. */
class Stopped extends Error {
  constructor(message: string, readonly failure: boolean) {
    super(message);
  }
}

export class Companion {
  readonly #stop = new AbortController();
  readonly #timeout: AbortSignal;
  readonly #routed: Promise<Routed | null>;
  #logged = false;
  #end!: () => void;
  /** Resolves once the companion's line is logged: it is over. */
  readonly #ended = new Promise<void>((resolve) => (this.#end = resolve));

  constructor(readonly options: CompanionOptions) {
    this.#timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = AbortSignal.any([this.#stop.signal, options.clientSignal, this.#timeout]);
    this.#routed = options.start(signal).catch((err) => {
      this.#fail(err);
      return null;
    });
  }

  /** Stops the companion: it is not wanted (the main request failed, the answer is a tool call…). */
  cancel(why: string): void {
    this.#halt(new Stopped(why, false));
    this.#routed.then(() => this.#done());
  }

  /** From now, the companion has `ms` left (`splitter.grace_s` once the main answer is done). */
  deadline(ms: number): void {
    const why = `timed out: splitter.grace_s (${ms / 1000} s) after the main answer`;
    const timer = setTimeout(() => this.#halt(new Stopped(why, true)), ms);
    this.#ended.then(() => clearTimeout(timer));
  }

  #halt(reason: Stopped): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(reason);
  }

  /** The companion's text, piece by piece (rewritten when asked); nothing at all if it fails or says nothing. */
  async *pieces(): AsyncGenerator<string> {
    const { rewriter, onChunk } = this.options;
    const pass = async (text: string) => (text && onChunk ? await onChunk(text) : text);
    try {
      for await (const piece of this.#text()) {
        const out = await pass(rewriter ? rewriter.push(piece) : piece);
        if (out) yield out;
      }
      const rest = await pass(rewriter?.flush() ?? "");
      if (rest) yield rest;
    } finally {
      this.#done();
    }
  }

  /** Logs the companion's line, once (pieces may be abandoned early, or never asked for). */
  #done(): void {
    if (this.#logged) return;
    this.#logged = true;
    this.#end();
    this.#routed.then((routed) => routed?.done());
    const { record, onDone } = this.options;
    record.latency_ms = Date.now() - record.started;
    onDone(record);
  }

  async *#text(): AsyncGenerator<string> {
    const routed = await this.#routed;
    if (!routed) return;
    const { outcome } = routed;
    const record = this.options.record;
    record.provider = routed.deployment.provider.name;
    record.upstream_model = routed.model;
    record.deployment = routed.deployment.id;
    record.status = outcome.ok ? outcome.reply.status : outcome.status ?? 502;
    if (!outcome.ok) return this.#fail(new Error(`upstream ${outcome.status}`));
    let said = false;
    // The companion's answer is read in the upstream's own format, whatever the client's.
    const format = wireFormat(routed.api)!;
    try {
      const { reply } = outcome;
      if (reply.kind === "whole") {
        const answer = format.decodeAnswer!(JSON.parse(new TextDecoder().decode(reply.body)));
        record.usage = answer.usage;
        const text = answerText(answer);
        if (text) yield (said = true, text);
      } else {
        const collector = new AnswerCollector(this.options.maxChars);
        for await (const ev of format.decodeStream!(reply.body.body, this.options.maxChars)) {
          collector.add(ev);
          if (collector.sawUsage) record.usage = collector.answer.usage;
          if (ev.type === "text" && ev.text) yield (said = true, ev.text);
        }
      }
    } catch (err) {
      return this.#fail(err);
    }
    if (!said) this.#fail(new Error("returned no text"));
  }

  /**
   * Records why the companion ended early. A stop the splitter chose is not a
   * failure; a timeout (grace or `timeout_s`) is one, and says so — never
   * "client disconnected", which is only said when the client did leave.
   */
  #fail(err: unknown): void {
    const { record, logger, requestId, timeoutMs } = this.options;
    const stopped = this.#stop.signal.aborted ? this.#stop.signal.reason as Stopped : null;
    const reason = stopped
      ? stopped.message
      : this.#timeout.aborted
      ? `timed out: splitter.timeout_s (${timeoutMs / 1000} s)`
      : this.options.clientSignal.aborted
      ? "client disconnected"
      : (err as Error)?.message ?? String(err);
    record.error = reason;
    // A stop the splitter chose before any answer: 499, as for a request its client gave up.
    record.status ||= stopped && !stopped.failure ? 499 : 502;
    if (stopped && !stopped.failure) logger.debug(`splitter: companion for ${requestId} ${reason}`);
    else logger.warn(`splitter: companion for ${requestId} failed: ${reason}`);
  }
}
