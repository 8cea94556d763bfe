/**
 * The route step: the request routed through its deployments in order, and
 * the answer made the client's.
 */
import { forwardableHeaders } from "../../transforms/headers.ts";
import type { Answered, Exchange } from "../exchange.ts";
import { respond } from "../respond.ts";

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
  return await respond(x, routed);
}
