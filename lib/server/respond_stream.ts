/**
 * A stream to the client: byte for byte when the formats match and nothing
 * rewrites it — the upstream's one relayable stream, its chunks seen by one
 * observer (usage, the added usage chunk, the log's copy) — otherwise read in
 * the upstream's format, rewritten, written in the client's. Either way a
 * failure after the first byte ends it with an error event in the client's
 * format, and `ended` says when (and how) it ended.
 */
import { cutShort, errorEvent } from "../errors.ts";
import { clientFormat, wireFormat } from "../formats/index.ts";
import { sseToJsonArray } from "../formats/gemini/array.ts";
import { AnswerCollector, type AnswerEvent } from "../formats/neutral.ts";
import { eventLimit, rawEvents, SSE_HEADERS } from "../formats/sse.ts";
import type { Editor } from "../formats/rewrite.ts";
import { answerJson, StreamKeeper } from "../observe/bodies.ts";
import { UsageTap } from "../observe/usage_tap.ts";
import { factsOf } from "../observe/request_trace.ts";
import type { StreamReply } from "../providers/reply.ts";
import { relayWeb } from "../providers/relayable_stream.ts";
import type { Routed } from "../routing/router.ts";
import { type ResponseRule, rewriteEvents, rewriterFor } from "../transforms/response_regex.ts";
import type { Answered, Exchange } from "./exchange.ts";

const encoder = new TextEncoder();

export function respondStream(x: Exchange, routed: Routed, reply: StreamReply): Answered {
  const { rt, record } = x;
  const api = x.api!;
  const request = x.request!;
  const bodies = rt.recorder.wantsBodies;
  const maxBody = rt.config.log.max_body_kb * 1024;
  const maxEvent = rt.config.server.max_response_mb * 1048576;
  const rules = rt.transforms.responseRules(request.model);
  let ended!: (error: string | null) => void;
  const answered: Answered = { response: undefined!, ended: new Promise((r) => (ended = r)) };
  /** The stream's end: its log line goes out; a failure becomes the last event the client gets. */
  const finish = (error: unknown, tail: () => string) => {
    ended(error ? (error as Error).message ?? String(error) : null);
    if (!error) return undefined;
    return encoder.encode(errorEvent(x.format, error, rt.redactor.text, nextSequence(tail())));
  };

  const rewrites = rules.length > 0 || rt.hooks.has("onChunk");
  if (routed.translation) {
    // Read in the upstream's format, rewritten, written in the client's; seen (usage, body) as the client gets it.
    const collector = new AnswerCollector(maxBody);
    let events = wireFormat(routed.api)!.decodeStream!(reply.body.body, maxEvent);
    const adapt = routed.translation?.events?.(request.body);
    if (adapt) events = events.pipeThrough(adapt);
    if (rules.length) events = events.pipeThrough(rewriteEvents(rewriterFor(rules)));
    if (rt.hooks.has("onChunk")) events = events.pipeThrough(rt.hooks.chunkStream(x.hooks!));
    const out = events.pipeThrough(
      new TransformStream<AnswerEvent, AnswerEvent>({
        transform(ev, out) {
          collector.add(ev);
          out.enqueue(ev);
        },
      }),
    ).pipeThrough(clientFormat(api)!.streamEncoder!(request.body))
      .pipeThrough(new TextEncoderStream());
    const relayed = relayWeb(out);
    let last: Uint8Array = new Uint8Array();
    relayed.observe({
      chunk: (chunk) => {
        last = chunk;
      },
      end: (error) => {
        if (collector.sawUsage) record.usage = collector.answer.usage;
        if (x.trace) {
          const { id, model, stop } = collector.answer;
          x.trace.response = { id, model, finishReasons: [stop] };
        }
        if (bodies) record.response_body = answerJson(collector.answer, collector.cut);
        return finish(error, () => new TextDecoder().decode(last));
      },
    });
    answered.response = clientResponse(x, relayed.body, reply.status, SSE_HEADERS);
    return answered;
  }

  // The same format: passed through byte for byte, or, when text is rewritten, event by event
  // with everything but the text as it came.
  const client = clientFormat(api)!;
  const body = rewrites
    ? relayWeb(
      reply.body.body.pipeThrough(eventLimit(maxEvent, "sse")).pipeThrough(new TextDecoderStream())
        .pipeThrough(rawEvents()).pipeThrough(client.rewriteStream(editor(x, rules)))
        .pipeThrough(new TextEncoderStream()),
    )
    : reply.body;
  const format = wireFormat(api);
  const read = format?.usage;
  const tap = read
    ? new UsageTap(read, format?.usageAtStart === true, format?.usageKey)
    : undefined;
  const strip = x.usageAdded ? client.stripAddedUsage : undefined;
  // The start of the stream, for the log's assembled body, read back after the stream ended.
  const kept = bodies ? new StreamKeeper(maxBody) : undefined;
  body.observe({
    chunk(chunk) {
      tap?.push(chunk);
      kept?.push(chunk);
      return strip?.(chunk);
    },
    end: (error) => {
      record.usage = tap?.finish() ?? null;
      if (x.trace && tap) x.trace.response = factsOf(tap.edges());
      if (kept) record.response_body = kept.answer(api, maxEvent);
      // An upstream that closed cleanly but before its stream's end cut the answer short.
      if (!error && tap && !client.streamEnd.test(tap.tail())) error = cutShort("its end");
      return finish(error, () => tap?.tail() ?? "");
    },
  });
  answered.response = clientResponse(x, body.body, reply.status, reply.headers);
  return answered;
}

/** The stream as its client reads it: SSE, or for Gemini's without `alt=sse` one JSON array. */
function clientResponse(
  x: Exchange,
  body: ReadableStream<Uint8Array>,
  status: number,
  headers: Record<string, string>,
): Response {
  if (!x.target?.array) return new Response(body, { status, headers });
  return new Response(body.pipeThrough(sseToJsonArray()), {
    status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
  });
}

/** The Responses API numbers its events: the one after the last `sequence_number` in `tail`. */
function nextSequence(tail: string): number {
  const numbers = tail.match(/"sequence_number":\s*\d+/g);
  return numbers ? Number(numbers.at(-1)!.replace(/\D/g, "")) + 1 : 0;
}

/** A fresh text edit per text of the stream: the response rules, then the plugins' onChunk hooks. */
function editor(x: Exchange, rules: readonly ResponseRule[]): Editor {
  const { hooks } = x.rt;
  const hook = hooks.has("onChunk") ? (text: string) => hooks.onChunk(x.hooks!, text) : undefined;
  return () => {
    const rewriter = rules.length ? rewriterFor(rules) : undefined;
    const after = async (text: string) => (text && hook ? await hook(text) : text);
    return {
      push: (text) => after(rewriter ? rewriter.push(text) : text),
      end: () => after(rewriter?.flush() ?? ""),
    };
  };
}
