/**
 * A routed answer as the client's response: byte for byte when the formats
 * match and nothing rewrites it (usage read off the bytes); otherwise read
 * into neutral events, rewritten and/or translated, and written out in the
 * client's format. Streams end with an error event in the client's format
 * when the upstream fails mid-way.
 */
import { errorEvent, ProxyError } from "../errors.ts";
import { usageOfBody, UsageTap } from "../observe/usage_tap.ts";
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

export function respond(
  api: Api,
  routed: Routed,
  request: ClientRequest,
  ctx: RequestContext,
): Response {
  const { outcome, translation } = routed;
  if (!outcome.ok) {
    ctx.record.error = `upstream ${outcome.status}`;
    const status = outcome.status!;
    // An upstream client error goes back as it was said, but never with the provider's key in it.
    if (translation) {
      const body = translation.error(status, outcome.bytes, ctx.format);
      return new Response(ctx.rt.redactor.text(JSON.stringify(body)), {
        status,
        headers: { "content-type": "application/json" },
      });
    }
    const text = ctx.rt.redactor.text(decoder.decode(outcome.bytes ?? new Uint8Array()));
    return new Response(text, { status, headers: outcome.response!.headers });
  }
  const read = usageReader(api);
  const rules = ctx.rt.transforms.responseRules(request.model);
  const res = outcome.response;

  if (outcome.bytes) {
    if (!translation && rules.length === 0) {
      if (read) ctx.record.usage = usageOfBody(outcome.bytes, read);
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
    const body = translation ? translation.answer(json, request.body) : json;
    if (read && body.usage) ctx.record.usage = read(body.usage as Json);
    if (rules.length) {
      rewriteAnswerJson(api, body, (text) => {
        const rewriter = rewriterFor(rules);
        return rewriter.push(text) + rewriter.flush();
      });
    }
    return translation ? Response.json(body) : new Response(JSON.stringify(body), res);
  }

  ctx.deferred = true;
  const finish = (error: unknown) => {
    ctx.finish(undefined, error ? (error as Error).message ?? String(error) : null);
    return error ? encoder.encode(errorEvent(ctx.format, error)) : undefined;
  };
  if (translation || rules.length) {
    // Read in the upstream's format, rewritten, written in the client's.
    const collector = new AnswerCollector();
    let events = decodeStream(routed.api, res.body!).pipeThrough(
      new TransformStream<AnswerEvent, AnswerEvent>({
        transform(ev, out) {
          collector.add(ev);
          out.enqueue(ev);
        },
      }),
    );
    if (rules.length) events = events.pipeThrough(rewriteEvents(rewriterFor(rules)));
    const body = encodeStream(api, request.body, events);
    return new Response(
      relay(body, {
        chunk: () => {},
        end: (error) => {
          if (collector.sawUsage) ctx.record.usage = collector.answer.usage;
          return finish(error);
        },
      }),
      { headers: translation ? SSE_HEADERS : res.headers },
    );
  }
  const tap = read ? new UsageTap(read, api === "messages") : undefined;
  const observer: BodyObserver = {
    chunk: (chunk) => tap?.push(chunk),
    end: (error) => {
      ctx.record.usage = tap?.finish() ?? null;
      return finish(error);
    },
  };
  return observeBody(res, observer) ? res : new Response(relay(res.body!, observer), res);
}
