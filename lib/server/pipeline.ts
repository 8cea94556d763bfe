/**
 * The whole request path, in order, in one place. Every request: its record
 * (the error rendering, the log line at the very end), the route and method,
 * the caller. Then, for a model-routed API, the steps below — those the
 * config does not use are left out, not skipped at run time.
 *
 *   record → route → identify → body → companions out of history → onRequest
 *     hooks → transforms → admit (virtual keys) → cache → stream usage → log body
 *     → resolve → splitter → route & respond
 */
import type { Api, ErrorFormat } from "../api.ts";
import { newRecord } from "../observe/record.ts";
import type { Runtime } from "../runtime.ts";
import { type Answered, compose, type Exchange, type Step } from "./exchange.ts";
import { admit } from "./steps/admit.ts";
import { answerCache } from "./steps/cache.ts";
import { identify } from "./steps/identify.ts";
import { record } from "./steps/record.ts";
import {
  askForStreamUsage,
  logRequestBody,
  readRequest,
  requestHooks,
  transformRequest,
} from "./steps/request.ts";
import { resolveModel, routeRequest } from "./steps/route.ts";
import { forgetCompanions, split } from "./steps/split.ts";

/** The APIs whose requests carry a conversation's history. */
const CONVERSATIONS: ReadonlySet<Api> = new Set(["chat", "messages", "responses"]);

/**
 * The request handler: every request's exchange, then its record around
 * everything, its route and method matched (`route`, the route table's
 * step), its caller identified, then its endpoint.
 */
export function requestPipeline(
  rt: Runtime,
  route: Step,
  formatOf: (path: string) => ErrorFormat,
): (req: Request) => Promise<Response> {
  const run = compose([record, route, identify], (x) => x.endpoint!.handle(x));
  return async (req) => {
    const { path, query } = splitUrl(req.url);
    const x: Exchange = {
      rt,
      req,
      path,
      query,
      format: formatOf(path),
      record: newRecord(requestId(req.headers.get("x-request-id")), req.method, path),
    };
    return (await run(x)).response;
  };
}

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,128}$/;

/** The client's request id when it is a sane one (1–128 printable ASCII characters), else a fresh one. */
function requestId(given: string | null): string {
  return given !== null && PRINTABLE_ASCII.test(given) ? given : crypto.randomUUID();
}

/** Path and query of an absolute request URL, without a URL object's parsing. */
function splitUrl(url: string): { path: string; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", start);
  return q < 0
    ? { path: url.slice(start), query: "" }
    : { path: url.slice(start, q), query: url.slice(q) };
}

/** The handler of one model-routed API, built once per runtime from what its config uses. */
export function modelPipeline(rt: Runtime, api: Api): (x: Exchange) => Promise<Answered> {
  const steps: (Step | false | undefined)[] = [
    readRequest(api),
    rt.splitter && CONVERSATIONS.has(api) && forgetCompanions,
    rt.hooks.has("onRequest") && requestHooks,
    rt.transforms.any && transformRequest,
    rt.keys.named && admit,
    rt.cache && answerCache,
    api === "chat" && askForStreamUsage,
    rt.recorder.wantsBodies && logRequestBody,
    resolveModel,
    rt.splitter && split,
  ];
  return compose(steps.filter((s): s is Step => typeof s === "function"), routeRequest);
}
