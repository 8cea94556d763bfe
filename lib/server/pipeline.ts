/**
 * The whole request path, in order, in one place. Every request: its record
 * (the error rendering, the log line at the very end), the route and method,
 * the caller. Then, for a model-routed API, the steps below — those the
 * config does not use are left out, not skipped at run time.
 *
 *   record → route → identify → body → onRequest hooks → transforms → cache
 *     → stream usage → log body → resolve → splitter → route & respond
 */
import type { Api } from "../api.ts";
import type { Runtime } from "../runtime.ts";
import { type Answered, compose, type Exchange, type Step } from "./exchange.ts";
import { answerCache } from "./steps/cache.ts";
import { identify } from "./steps/identify.ts";
import { record } from "./steps/record.ts";
import { logRequestBody } from "./steps/log_body.ts";
import { readRequest } from "./steps/read_request.ts";
import { requestHooks } from "./steps/request_hooks.ts";
import { resolveModel } from "./steps/resolve.ts";
import { routeRequest } from "./steps/route.ts";
import { split } from "./steps/split.ts";
import { askForStreamUsage } from "./steps/stream_usage.ts";
import { transformRequest } from "./steps/transform.ts";

/**
 * Every request: its record around everything, its route and method matched
 * (`route`, the route table's step), its caller identified, then its endpoint.
 */
export function requestPipeline(route: Step): (x: Exchange) => Promise<Answered> {
  return compose([record, route, identify], (x) => x.endpoint!.handle(x));
}

/** The handler of one model-routed API, built once per runtime from what its config uses. */
export function modelPipeline(rt: Runtime, api: Api): (x: Exchange) => Promise<Answered> {
  const steps: (Step | false | undefined)[] = [
    readRequest(api),
    rt.hooks.has("onRequest") && requestHooks,
    rt.transforms.any && transformRequest,
    rt.cache && answerCache,
    api === "chat" && askForStreamUsage,
    rt.recorder.wantsBodies && logRequestBody,
    resolveModel,
    rt.splitter && split,
  ];
  return compose(steps.filter((s): s is Step => typeof s === "function"), routeRequest);
}
