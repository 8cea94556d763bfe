/**
 * One request on its way through the pipeline: what every step may read, and
 * what the steps before it found. A step is `(exchange, next) => answer`, the
 * way Hono's middleware is; `compose` runs them in order.
 */
import type { Api, ClientRequest, ErrorFormat } from "../api.ts";
import type { CallRecord } from "../observe/record.ts";
import type { HookContext } from "../plugin.ts";
import type { Deployment } from "../routing/resolve.ts";
import type { Routed } from "../routing/router.ts";
import type { Runtime } from "../runtime.ts";
import type { Caller } from "../keys/keys.ts";
import type { RequestTrace } from "../observe/request_trace.ts";
import type { PathTarget } from "./body.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Exchange {
  readonly rt: Runtime;
  readonly req: Request;
  /** The URL's path, without the query. */
  readonly path: string;
  /** The query string: `""` or starting with `?`. */
  readonly query: string;
  /** The error dialect of the route (OpenAI's for routes outside both APIs). */
  readonly format: ErrorFormat;
  /** Everything the log line will say, filled in as the request goes. */
  readonly record: CallRecord;
  /** What answers this route and method (the route step), and whether it needs a key. */
  endpoint?: Endpoint;
  /** The model and stream the path names, on Gemini's routes (the route step). */
  target?: PathTarget;
  /** Who called (the identify step). */
  caller?: Caller;
  /** The client's API, on a model-routed route. */
  api?: Api;
  /** The parsed request (the body step), as it will be routed once hooks and transforms are done. */
  request?: ClientRequest;
  /** What plugin hooks see of the request (the body step); the deployment is filled in once routed. */
  hooks?: Mutable<HookContext>;
  /** True when switchyard asked a chat stream for usage its client did not: the usage chunk is taken back out. */
  usageAdded?: boolean;
  /** The deployments that may serve it, in priority order (the resolve step). */
  deployments?: readonly Deployment[];
  /** The deployment that answered and how (the route step). */
  routed?: Routed;
  /** This request's spans, when tracing is on and it was sampled. */
  trace?: RequestTrace;
}

/** A route and method's handler. */
export interface Endpoint {
  /** Answered without a proxy key. */
  open: boolean;
  /** Answered to admin keys only (a virtual key gets 403). */
  admin: boolean;
  handle(x: Exchange): Answered | Promise<Answered>;
}

/** What a step answers with: the response, and, for a body still streaming, when it ends (with its error, if any). */
export interface Answered {
  response: Response;
  ended?: Promise<string | null>;
}

export type Next = () => Promise<Answered>;
export type Step = (x: Exchange, next: Next) => Promise<Answered>;

/** The steps in order, ending with `last`: each calls `next` to go on (or answers itself). */
export function compose(
  steps: readonly Step[],
  last: (x: Exchange) => Answered | Promise<Answered>,
): (x: Exchange) => Promise<Answered> {
  return (x) => {
    // No async wrapper per step: a step's own promise is passed along (a throw reaches the step before).
    const run = (i: number): Promise<Answered> =>
      i === steps.length ? Promise.resolve(last(x)) : steps[i](x, () => run(i + 1));
    return run(0);
  };
}
