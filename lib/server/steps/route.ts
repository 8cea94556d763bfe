/**
 * The route step: the request routed through its deployments in order, and
 * the answer made the client's — an upstream's refusal, a whole JSON answer,
 * or a stream, each in its own module.
 */
import { forwardableHeaders } from "../../transforms/headers.ts";
import type { Answered, Exchange } from "../exchange.ts";
import { respondError } from "../respond_error.ts";
import { respondJson } from "../respond_json.ts";
import { respondStream } from "../respond_stream.ts";

export async function routeRequest(x: Exchange): Promise<Answered> {
  const { rt, record } = x;
  const request = x.request!;
  const routed = await rt.router.route({
    api: x.api!,
    request,
    headers: forwardableHeaders(x.req.headers),
    query: request.plainText ? "" : x.query,
    signal: x.req.signal,
    attempts: record.attempts,
    drop: (what) => rt.logger.debug(`${record.request_id}: translation dropped ${what}`),
  }, x.deployments!);
  x.routed = routed;
  record.provider = routed.deployment.provider.name;
  record.upstream_model = routed.model;
  x.hooks!.deployment = { provider: record.provider, model: routed.model };
  const { outcome } = routed;
  if (!outcome.ok) return respondError(x, routed, outcome);
  return outcome.reply.kind === "whole"
    ? await respondJson(x, routed, outcome.reply)
    : respondStream(x, routed, outcome.reply);
}
