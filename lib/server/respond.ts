/**
 * A routed answer as the client's response: byte for byte when the formats
 * match and nothing rewrites it (usage read off the bytes); otherwise read
 * into neutral events, rewritten and/or translated, and written out in the
 * client's format. Streams end with an error event in the client's format
 * when the upstream fails mid-way.
 */
import { errorEvent, ProxyError } from "../errors.ts";
import { stripUsageChunk } from "../observe/stream_usage.ts";
import { usageOfBody, UsageTap } from "../observe/usage_tap.ts";
import { answerJson, bodyJson, requestJson, StreamKeeper } from "../observe/bodies.ts";
import { type BodyObserver, observeBody } from "../providers/http.ts";
import type { Api } from "../providers/types.ts";
import type { Routed } from "../routing/router.ts";
import { rewriteAnswerJson, rewriteEvents, rewriterFor } from "../transforms/response_regex.ts";
import { AnswerCollector, type AnswerEvent } from "../translate/answer.ts";
import { decodeStream, encodeStream } from "../translate/plan.ts";
import { usageReader } from "../translate/usage.ts";
import type { RequestContext } from "./app.ts";
import type { ClientRequest } from "./body.ts";
import { relay } from "./relay.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

type Json = Record<string, unknown>;

/**
 * JSON text with its `\u` and `\/` escapes written out, so a key spelt with
 * them is masked like any other (an error body, off the hot path); other text as it is.
 */
function unescaped(text: string): string {
  if (!/\\[u/]/.test(text)) return text;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/** A translated JSON answer; one the translator cannot read is the upstream's failure (502), not ours. */
function translatedAnswer(routed: Routed, json: Json, request: Json) {
  try {
    return routed.translation!.answer(json, request);
  } catch (err) {
    if (err instanceof ProxyError) throw err;
    throw new ProxyError(
      502,
      `${routed.deployment.id} answered with a body that cannot be translated: ${
        (err as Error).message
      }`,
      "upstream_error",
    );
  }
}

/**
 * `usageAdded`: switchyard asked the upstream for stream usage the client did
 * not ask for, so the usage-only chunk is taken out of what the client gets.
 */
export async function respond(
  api: Api,
  routed: Routed,
  request: ClientRequest,
  ctx: RequestContext,
  usageAdded: boolean,
): Promise<Response> {
  const { outcome, translation } = routed;
  const bodies = ctx.rt.recorder.wantsBodies;
  const maxBody = ctx.rt.config.log.max_body_kb * 1024;
  const maxEvent = ctx.rt.config.server.max_response_mb * 1048576;
  const record = ctx.record;
  if (!outcome.ok) {
    record.error = `upstream ${outcome.status}`;
    const status = outcome.status!;
    // An upstream client error goes back as it was said, but never with the provider's key in it.
    if (translation) {
      const body = ctx.rt.redactor.text(
        JSON.stringify(translation.error(status, outcome.bytes, ctx.format)),
      );
      if (bodies) record.response_body = requestJson(body, maxBody);
      return new Response(body, { status, headers: { "content-type": "application/json" } });
    }
    const text = ctx.rt.redactor.text(unescaped(decoder.decode(outcome.bytes ?? new Uint8Array())));
    if (bodies) {
      record.response_body = bodyJson(
        text,
        outcome.response!.headers.get("content-type"),
        maxBody,
      );
    }
    return new Response(text, { status, headers: outcome.response!.headers });
  }
  const read = usageReader(api);
  const rules = ctx.rt.transforms.responseRules(request.model);
  const { hooks } = ctx.rt;
  const res = outcome.response;

  if (outcome.bytes) {
    if (!translation && rules.length === 0 && !hooks.has("onResponse")) {
      if (read) record.usage = usageOfBody(outcome.bytes, read);
      if (bodies) {
        record.response_body = bodyJson(outcome.bytes, res.headers.get("content-type"), maxBody);
      }
      return res.bodyUsed ? new Response(outcome.bytes, res) : res;
    }
    let json: Json;
    try {
      json = JSON.parse(decoder.decode(outcome.bytes));
    } catch {
      throw new ProxyError(
        502,
        `${routed.deployment.id} answered with a body that is not JSON`,
        "upstream_error",
      );
    }
    let body = json;
    if (translation) {
      // Usage as the provider counted it: the client's format may have no place for some of it.
      const translated = translatedAnswer(routed, json, request.body);
      body = translated.body;
      record.usage = translated.usage;
    } else if (read && body.usage) record.usage = read(body.usage as Json);
    if (rules.length) {
      rewriteAnswerJson(api, body, (text) => {
        const rewriter = rewriterFor(rules);
        return rewriter.push(text) + rewriter.flush();
      });
    }
    if (hooks.has("onResponse")) body = await hooks.onResponse(ctx.hooks!, body);
    const text = JSON.stringify(body);
    if (bodies) record.response_body = requestJson(text, maxBody);
    return new Response(
      text,
      translation ? { headers: { "content-type": "application/json" } } : res,
    );
  }

  ctx.deferred = true;
  // A stream may end before this returns (a fast upstream): its line is written with its status.
  record.status = res.status;
  record.ttfb_ms = Date.now() - record.started;
  const finish = (error: unknown) => {
    ctx.finish(undefined, error ? (error as Error).message ?? String(error) : null);
    return error ? encoder.encode(errorEvent(ctx.format, error, ctx.rt.redactor.text)) : undefined;
  };
  if (translation || rules.length || hooks.has("onChunk")) {
    // Read in the upstream's format, rewritten, written in the client's; seen (usage, body) as the client gets it.
    const collector = new AnswerCollector(maxBody);
    let events = decodeStream(routed.api, res.body!, maxEvent);
    if (rules.length) events = events.pipeThrough(rewriteEvents(rewriterFor(rules)));
    if (hooks.has("onChunk")) events = events.pipeThrough(hooks.chunkStream(ctx.hooks!));
    events = events.pipeThrough(
      new TransformStream<AnswerEvent, AnswerEvent>({
        transform(ev, out) {
          collector.add(ev);
          out.enqueue(ev);
        },
      }),
    );
    return new Response(
      relay(encodeStream(api, request.body, events), {
        chunk: () => {},
        end: (error) => {
          if (collector.sawUsage) record.usage = collector.answer.usage;
          if (bodies) record.response_body = answerJson(collector.answer, collector.cut);
          return finish(error);
        },
      }),
      { headers: translation ? SSE_HEADERS : res.headers },
    );
  }
  const tap = read ? new UsageTap(read, api === "messages") : undefined;
  // The start of the stream, for the log's assembled body, read back after the stream ended.
  const kept = bodies ? new StreamKeeper(maxBody) : undefined;
  const observer: BodyObserver = {
    chunk(chunk) {
      tap?.push(chunk);
      kept?.push(chunk);
      return usageAdded ? stripUsageChunk(chunk) : undefined;
    },
    end: (error) => {
      record.usage = tap?.finish() ?? null;
      if (kept) record.response_body = kept.answer(api, maxEvent);
      return finish(error);
    },
  };
  return observeBody(res, observer) ? res : new Response(relay(res.body!, observer), res);
}
