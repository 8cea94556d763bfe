/**
 * Tries a model's deployments until one serves the request (SPEC §6). The
 * answer it returns has been judged (status, first chunk or whole body) but
 * not yet sent: the handler relays it.
 */
import type { Config } from "../config/schema.ts";
import { type Attempt, UpstreamsFailed } from "../errors.ts";
import type { Api, UpstreamCall } from "../providers/types.ts";
import { setTopLevelString } from "../raw_json.ts";
import type { ClientRequest } from "../server/body.ts";
import { attempt, type Failed, type Served } from "./attempt.ts";
import type { Deployment } from "./resolve.ts";

export interface RouteRequest {
  api: Api;
  request: ClientRequest;
  /** Forwardable client headers. */
  headers: Headers;
  query: string;
  signal: AbortSignal;
  /** Filled with every try, for errors and logs. */
  attempts: Attempt[];
}

/** What served the request: a success, or an upstream client error to pass back as it is. */
export interface Routed {
  deployment: Deployment;
  /** The upstream model name actually sent. */
  model: string;
  outcome: Served | Failed;
}

export class Router {
  readonly #fallbackOn: Set<number>;

  constructor(settings: Config["routing"]) {
    this.#fallbackOn = new Set(settings.fallback_on);
  }

  /** Routes to the first deployment that serves; throws UpstreamsFailed when none does. */
  async route(req: RouteRequest, deployments: Deployment[]): Promise<Routed> {
    let lastTimeout = false;
    for (const d of deployments) {
      if (req.signal.aborted) break;
      const model = d.model === "*" ? req.request.model : d.model;
      const started = performance.now();
      const outcome = await attempt(d, this.#call(model, req));
      const ms = Math.round(performance.now() - started);
      req.attempts.push({
        provider: d.provider.name,
        model,
        status: outcome.ok ? outcome.response.status : outcome.status,
        error: outcome.ok ? null : outcome.message,
        ms,
      });
      if (outcome.ok || !this.#fallsBack(outcome)) return { deployment: d, model, outcome };
      lastTimeout = outcome.timeout;
    }
    throw new UpstreamsFailed(lastTimeout ? 504 : 502, req.request.model, req.attempts);
  }

  /** A failure worth another deployment: a listed status, any 5xx, or no status at all. */
  #fallsBack(f: Failed): boolean {
    return f.status === null || f.status >= 500 || this.#fallbackOn.has(f.status);
  }

  #call(model: string, req: RouteRequest): UpstreamCall {
    const { body, raw } = req.request;
    const same = model === body.model;
    return {
      api: req.api,
      model,
      body: same ? body : { ...body, model },
      // Only the model name changes: splice it into the client's bytes rather than re-serialise.
      raw: raw === undefined ? undefined : same ? raw : setTopLevelString(raw, "model", model),
      stream: req.request.stream,
      headers: req.headers,
      query: req.query,
      signal: req.signal,
    };
  }
}
