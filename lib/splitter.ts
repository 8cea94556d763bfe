/**
 * The splitter (SPEC §8): a companion request (grammar correction of the last
 * user message) runs beside the main one; its text follows the main answer
 * after a separator. The main answer streams untouched; the companion can
 * only add to it, never break it.
 */
import type { SplitterConfig } from "./config/schema.ts";
import type { Logger } from "./observe/log.ts";
import type { Api } from "./api.ts";
import { compileGlob, type Glob, matchesAny } from "./glob.ts";
import type { Routed } from "./routing/router.ts";
import { AnswerCollector, answerText } from "./formats/neutral.ts";
import type { CallRecord } from "./observe/record.ts";
import { clientFormat, wireFormat } from "./formats/index.ts";
import { lastUserText } from "./formats/text.ts";
import { eventLimit, rawEvents } from "./formats/sse.ts";
import type { TextRewriter } from "./transforms/response_regex.ts";
import { DEFAULT_MAX_TOKENS } from "./api.ts";

/** The request header that turns the companion off for one request. */
export const OPT_OUT_HEADER = "x-switchyard-splitter";

/** The splitter as configured, ready to match requests. */
export class Splitter {
  readonly #models: Glob[];

  constructor(readonly config: SplitterConfig) {
    this.#models = config.models.map(compileGlob);
  }

  /** True when this request gets a companion. */
  applies(api: Api, model: string, headers: Headers): boolean {
    return (api === "chat" || api === "messages") && matchesAny(this.#models, model) &&
      headers.get(OPT_OUT_HEADER)?.toLowerCase() !== "off";
  }

  /** The companion's request body, in the client's API. */
  companionBody(api: Api, main: Record<string, unknown>, stream: boolean): Record<string, unknown> {
    const prompt = this.config.prompt.replaceAll("{message}", lastUserText(main));
    const body: Record<string, unknown> = {
      model: this.config.model,
      messages: [{ role: "user", content: prompt }],
      temperature: this.config.temperature,
      stream,
    };
    if (api === "messages") body.max_tokens = DEFAULT_MAX_TOKENS;
    return body;
  }
}

export interface CompanionOptions {
  /** Routes the companion request; aborted with the signal it is given. */
  start: (signal: AbortSignal) => Promise<Routed>;
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

/** A companion under way: its text as it arrives; failures end it quietly (and are logged). */
export class Companion {
  readonly #abort = new AbortController();
  readonly #routed: Promise<Routed | null>;
  #logged = false;

  constructor(readonly options: CompanionOptions) {
    const signal = AbortSignal.any([
      this.#abort.signal,
      options.clientSignal,
      AbortSignal.timeout(options.timeoutMs),
    ]);
    this.#routed = options.start(signal).catch((err) => {
      this.#fail(err);
      return null;
    });
  }

  /** Stops the companion (the main request failed, or the client left). */
  cancel(): void {
    this.#abort.abort(new Error("companion cancelled"));
    this.#routed.then(() => this.#done());
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

  #fail(err: unknown): void {
    const reason = this.#abort.signal.aborted
      ? "cancelled"
      : (err as Error)?.message ?? String(err);
    this.options.record.error = reason;
    this.options.record.status ||= 502;
    this.options.logger.warn(`splitter: companion for ${this.options.requestId} failed: ${reason}`);
  }
}

/** The companion's whole text (or "" when it failed or timed out). */
export async function companionText(companion: Companion): Promise<string> {
  let text = "";
  for await (const piece of companion.pieces()) text += piece;
  return text;
}

/** A JSON answer (in the client's format) with `addition` appended to its text. */
export function spliceJson(api: Api, bytes: Uint8Array, addition: string): string {
  const json = JSON.parse(new TextDecoder().decode(bytes));
  clientFormat(api)!.appendToAnswer!(json, addition);
  return JSON.stringify(json);
}

/**
 * The main stream with the companion's text spliced in where the main text
 * ends (OpenAI: before the chunk carrying `finish_reason`; Anthropic: as a new
 * text block before `message_delta`). The separator goes out only with the
 * companion's first piece, so a companion that says nothing changes nothing.
 */
export function spliceStream(
  api: Api,
  main: ReadableStream<Uint8Array>,
  companion: Companion,
  separator: string,
  maxEventBytes: number,
): ReadableStream<Uint8Array> {
  const injector = clientFormat(api)!.injector!();
  let injected = false;
  const inject = async (out: TransformStreamDefaultController<string>) => {
    injected = true;
    let first = true;
    for await (const piece of companion.pieces()) {
      if (first) out.enqueue(injector.open() + injector.piece(separator));
      first = false;
      out.enqueue(injector.piece(piece));
    }
    if (!first) out.enqueue(injector.close());
  };
  return main
    .pipeThrough(eventLimit(maxEventBytes, "sse"))
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(rawEvents())
    .pipeThrough(
      new TransformStream<string, string>({
        async transform(event, out) {
          injector.see(event);
          if (!injected && injector.endsText(event)) {
            const parts = injector.split(event);
            if (parts) out.enqueue(parts[0]);
            await inject(out);
            event = parts ? parts[1] : event;
          }
          out.enqueue(event);
        },
        // The main answer never reached its end (it failed): the companion is not wanted.
        flush: () => {
          if (!injected) companion.cancel();
        },
        cancel: () => companion.cancel(),
      }),
    )
    .pipeThrough(new TextEncoderStream());
}
