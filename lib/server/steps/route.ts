/**
 * The route steps: the model's deployments that serve this API (or a 404
 * that says why), then the request routed through them in order and the
 * answer made the client's — an upstream's refusal, a whole JSON answer, or
 * a stream, each in its own module.
 */
import type { Answered, Exchange, Next } from "../exchange.ts";
import { type Api, APIS } from "../../api.ts";
import type { Deployment } from "../../routing/resolve.ts";
import { DeploymentsAtLimit, type Routed } from "../../routing/router.ts";
import type { Runtime } from "../../runtime.ts";

import { ProxyError } from "../../errors.ts";
import { forwardableHeaders } from "../../transforms/headers.ts";
import { clientFormat } from "../../formats/index.ts";
import { respondError } from "../respond_error.ts";
import { respondJson } from "../respond_json.ts";
import { respondStream } from "../respond_stream.ts";

export async function resolveModel(x: Exchange, next: Next): Promise<Answered> {
  const { rt } = x;
  const api = x.api!;
  const request = x.request!;
  const deployments = deploymentsFor(rt, api, request.model);
  if (deployments.length === 0) {
    // A token count no deployment makes is a local estimate, never a model call.
    if (APIS[api].countsTokens) {
      return { response: Response.json(clientFormat(api)!.localTokenCount!(request.body)) };
    }
    const why = rt.config.routing.translate
      ? ""
      : " in its own format (routing.translate is false)";
    throw new ProxyError(
      404,
      `model '${request.model}' has no deployment that serves ${APIS[api].route}${why}`,
      "model_not_found",
    );
  }
  x.deployments = deployments;
  return await next();
}

/** The deployments of `model` that serve `api`; 404 for a model no entry matches. */
export function deploymentsFor(rt: Runtime, api: Api, model: string): readonly Deployment[] {
  const serving = rt.models.serving(model, api);
  if (!serving) {
    throw new ProxyError(
      404,
      `unknown model '${model}'; configured: ${rt.models.names().join(", ")}`,
      "model_not_found",
    );
  }
  return serving;
}

/** The route step: the deployments tried in order; the answer made the client's. */
export async function routeRequest(x: Exchange): Promise<Answered> {
  const { rt, record } = x;
  const request = x.request!;
  if (x.trace && rt.config.otel?.capture_content) {
    const { messages, input, system } = request.body;
    x.trace.input = JSON.stringify({ system, messages, input });
  }
  let routed: Routed;
  try {
    routed = await rt.router.route({
      api: x.api!,
      request,
      headers: forwardableHeaders(x.req.headers),
      query: request.plainText ? "" : x.query,
      signal: x.req.signal,
      attempts: record.attempts,
      trace: x.trace,
      drop: (what, changed) => {
        const line = `${record.request_id}: translation dropped ${what}`;
        if (changed) rt.logger.info(line);
        else rt.logger.debug(line);
      },
    }, x.deployments!);
  } catch (err) {
    if (err instanceof DeploymentsAtLimit) rt.metrics.rateLimited(record.key ?? "", "deployment");
    throw err;
  }
  x.routed = routed;
  record.provider = routed.deployment.provider.name;
  record.upstream_model = routed.model;
  record.deployment = routed.deployment.id;
  x.hooks!.deployment = { provider: record.provider, model: routed.model };
  let answered: Answered;
  try {
    answered = await respond(x, routed);
  } catch (err) {
    routed.done();
    throw err;
  }
  if (!answered.ended) routed.done();
  else answered.ended.finally(routed.done);
  return answered;
}

/** The answer the routing found, relayed in the client's format. */
function respond(x: Exchange, routed: Routed): Answered | Promise<Answered> {
  const { outcome } = routed;
  if (!outcome.ok) return respondError(x, routed, outcome);
  return outcome.reply.kind === "whole"
    ? respondJson(x, routed, outcome.reply)
    : respondStream(x, routed, outcome.reply);
}
