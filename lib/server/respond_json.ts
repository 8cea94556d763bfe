/**
 * A whole JSON answer: byte for byte when the formats match and nothing
 * rewrites it (usage read off the bytes); otherwise parsed once, translated
 * and/or rewritten, and written in the client's format.
 */
import { ProxyError } from "../errors.ts";
import { clientFormat, wireFormat } from "../formats/index.ts";
import type { Json } from "../formats/json.ts";
import { bodyJson, requestJson } from "../observe/bodies.ts";
import { usageOfBody } from "../observe/usage_tap.ts";
import { factsOf } from "../observe/request_trace.ts";
import type { WholeReply } from "../providers/reply.ts";
import type { Routed } from "../routing/router.ts";
import { rewriterFor } from "../transforms/response_regex.ts";
import type { Answered, Exchange } from "./exchange.ts";

const decoder = new TextDecoder();

export async function respondJson(
  x: Exchange,
  routed: Routed,
  reply: WholeReply,
): Promise<Answered> {
  const { rt, record } = x;
  const api = x.api!;
  const request = x.request!;
  const bodies = rt.recorder.wantsBodies;
  const maxBody = rt.config.log.max_body_kb * 1024;
  const format = wireFormat(api);
  const read = format?.usage;
  const usageKey = format?.usageKey ?? "usage";
  const rules = rt.transforms.responseRules(request.model);
  const { translation } = routed;
  if (!translation && rules.length === 0 && !rt.hooks.has("onResponse")) {
    if (read) record.usage = usageOfBody(reply.body, read, usageKey);
    if (x.trace) traced(x, reply.body);
    if (bodies) {
      record.response_body = bodyJson(reply.body, reply.headers["content-type"] ?? null, maxBody);
    }
    return { response: new Response(reply.body, { status: reply.status, headers: reply.headers }) };
  }
  let body: Json;
  try {
    body = JSON.parse(decoder.decode(reply.body));
  } catch {
    throw new ProxyError(
      502,
      `${routed.deployment.id} answered with a body that is not JSON`,
      "upstream_error",
    );
  }
  if (translation) {
    // Usage as the provider counted it: the client's format may have no place for some of it.
    const translated = translatedAnswer(routed, body, request.body);
    body = translated.body;
    record.usage = translated.usage;
  } else if (read && body[usageKey]) record.usage = read(body[usageKey] as Json);
  if (rules.length) {
    clientFormat(api)?.rewriteAnswer(body, (text) => {
      const rewriter = rewriterFor(rules);
      return rewriter.push(text) + rewriter.flush();
    });
  }
  if (rt.hooks.has("onResponse")) body = await rt.hooks.onResponse(x.hooks!, body);
  const text = JSON.stringify(body);
  if (x.trace) traced(x, text);
  if (bodies) record.response_body = requestJson(text, maxBody);
  const headers = translation ? { "content-type": "application/json" } : reply.headers;
  return { response: new Response(text, { status: reply.status, headers }) };
}

/**
 * What a trace keeps of a JSON answer: its id, model and finish reasons, read
 * from its first and last 4 KiB; the whole answer only with capture_content.
 */
function traced(x: Exchange, answer: Uint8Array | string): void {
  const edge = 4096;
  const text = typeof answer === "string"
    ? (answer.length > 2 * edge ? answer.slice(0, edge) + answer.slice(-edge) : answer)
    : answer.length > 2 * edge
    ? decoder.decode(answer.subarray(0, edge)) + decoder.decode(answer.subarray(-edge))
    : decoder.decode(answer);
  x.trace!.response = factsOf(text);
  if (x.rt.config.otel?.capture_content) {
    x.trace!.output = typeof answer === "string" ? answer : decoder.decode(answer);
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
