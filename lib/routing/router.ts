/**
 * Tries a model's deployments until one serves the request (SPEC §6):
 * priority order, weighted within a priority, retries with backoff, cooldown.
 * The answer it returns has been judged (status, first chunk or whole body)
 * but not yet sent: the handler relays it.
 */
import type { Config } from "../config/schema.ts";
import { type Attempt, backoffHeaders, ProxyError, UpstreamsFailed } from "../errors.ts";
import { sleep } from "../sleep.ts";
import type { UpstreamCall } from "../providers/types.ts";
import { type Api, APIS, type ClientRequest } from "../api.ts";
import { setTopLevelString } from "../raw_json.ts";
import { attempt, type Failed, type Served } from "./attempt.ts";
import { type Strategy, tryOrder } from "./balance.ts";
import type { DeploymentLimits } from "./deployment_limits.ts";
import type { DeploymentStats } from "./stats.ts";
import { attemptFailed, attemptSpan, type RequestTrace } from "../observe/request_trace.ts";
import type { Cooldowns } from "./cooldown.ts";
import type { Deployment } from "./resolve.ts";
import { retryable, retryDelayMs } from "./retry.ts";
import type { Drop } from "../formats/json.ts";
import { clientFormat } from "../formats/index.ts";
import { type Translation, translationFor } from "../formats/translation.ts";

export interface RouteRequest {
  api: Api;
  request: ClientRequest;
  /** Forwardable client headers, lower-case names. */
  headers: Record<string, string>;
  query: string;
  signal: AbortSignal;
  /** Filled with every try, for errors and logs. */
  attempts: Attempt[];
  /** Told what a translation had to drop. */
  drop?: Drop;
  /** One try in all, no retry and no fallback (the splitter's companion: late is as good as never). */
  once?: boolean;
  /** The request's trace: a span per attempt under it, the answering one kept. */
  trace?: RequestTrace;
}

/** What served the request: a success, or an upstream client error to pass back as it is. */
export interface Routed {
  deployment: Deployment;
  /** The API the upstream was called in (its answer is in this format). */
  api: Api;
  /** How the answer goes back to the client's API; undefined when the formats match. */
  translation?: Translation;
  /** The upstream model name actually sent. */
  model: string;
  outcome: Served | Failed;
  /** The answer has ended (relayed, failed or abandoned): the deployment has one request less in flight. */
  done(): void;
}

export interface RouterOptions {
  settings: Config["routing"];
  cooldowns: Cooldowns;
  /** The most of a JSON answer held (`server.max_response_mb`). */
  maxResponseBytes: number;
  /** Deployments' own rpm and tpm. */
  limits: DeploymentLimits;
  /** In flight and time to first byte, per deployment. */
  stats: DeploymentStats;
}

/** Every deployment of the model was at its own limit: nothing was tried. */
export class DeploymentsAtLimit extends ProxyError {
  constructor(model: string, retryAfterS: number) {
    super(
      429,
      `every deployment of model '${model}' is at its rate limit: retry in ${retryAfterS} s`,
      "rate_limit_exceeded",
      { "retry-after": String(retryAfterS) },
    );
  }
}

export class Router {
  readonly #fallbackOn: Set<number>;
  readonly #cooldowns: Cooldowns;
  readonly #maxResponseBytes: number;

  readonly #strategy: Strategy;
  readonly #limits: DeploymentLimits;
  readonly #stats: DeploymentStats;

  constructor(options: RouterOptions) {
    this.#fallbackOn = new Set(options.settings.fallback_on);
    this.#cooldowns = options.cooldowns;
    this.#maxResponseBytes = options.maxResponseBytes;
    this.#strategy = options.settings.strategy;
    this.#limits = options.limits;
    this.#stats = options.stats;
  }

  /** A finished answer's tokens, for its deployment's token window. */
  charge(deployment: string, tokens: number): void {
    const charged = this.#limits.charge(deployment, tokens);
    if (charged instanceof Promise) charged.catch(() => {});
  }

  /**
   * Routes to the first deployment that serves. Deployments in cooldown go
   * last rather than never: no request is lost that one of them could serve.
   * Throws UpstreamsFailed when none does.
   */
  async route(req: RouteRequest, deployments: readonly Deployment[]): Promise<Routed> {
    const ordered = tryOrder(deployments, this.#strategy, this.#stats);
    let queue = ordered;
    let resting: readonly Deployment[] = [];
    const cooling = await this.#cooldowns.store.cooling(ordered.map((d) => d.id));
    if (cooling.size > 0) {
      resting = ordered.filter((d) => cooling.has(d.id));
      queue = [...ordered.filter((d) => !cooling.has(d.id)), ...resting];
    }
    let last: Failed | undefined;
    /** The soonest a deployment at its own limit has room again (ms); none: Infinity. */
    let roomIn = Infinity;
    let tried = false;
    for (const d of req.once ? queue.slice(0, 1) : queue) {
      const model = d.model === "*" ? req.request.model : d.model;
      const retry = d.provider.config.retry;
      const translation = d.provider.apis.includes(req.api)
        ? undefined
        : translationFor(req.api, d.provider.apis) ?? undefined;
      const call = this.#call(d, model, req, translation);
      for (let n = 1;; n++) {
        if (req.signal.aborted) throw clientLeft();
        const taken = this.#limits.take(d);
        const full = taken instanceof Promise ? await taken : taken;
        if (full !== null) {
          roomIn = Math.min(roomIn, full);
          break;
        }
        tried = true;
        const started = Date.now();
        const done = this.#stats.begin(d.id);
        const span = req.trace && attemptSpan(req.trace, {
          deployment: d.id,
          providerType: d.provider.config.type,
          baseUrl: d.provider.config.base_url,
          model,
          api: call.api,
          clientModel: req.request.model,
          body: req.request.body,
        });
        // Each attempt carries its own span's context upstream.
        if (span) call.headers.traceparent = span.traceparent();
        const outcome = await attempt(d, call, this.#maxResponseBytes);
        req.attempts.push({
          provider: d.provider.name,
          model,
          status: outcome.ok ? outcome.reply.status : outcome.status,
          error: outcome.ok ? null : outcome.message,
          ms: Date.now() - started,
        });
        if (span) {
          if (outcome.ok || !this.#fallsBack(outcome)) {
            req.trace!.answering = span;
            if (outcome.ok && req.request.stream) span.event("gen_ai.first_chunk");
          } else attemptFailed(span, outcome.status, outcome.message);
        }
        if (outcome.ok) {
          this.#stats.sawFirstByte(d.id, Date.now() - started);
          await this.#cooldowns.success(d.id, cooling.has(d.id));
          return { deployment: d, api: call.api, translation, model, outcome, done };
        }
        // Not the deployment's fault: the client's request goes back as the upstream judged it.
        if (!this.#fallsBack(outcome)) {
          return { deployment: d, api: call.api, translation, model, outcome, done };
        }
        done();
        await this.#cooldowns.failure(d.id);
        last = outcome;
        if (req.once) break;
        if (n >= retry.attempts || !retryable(outcome, retry)) break;
        const wait = retryDelayMs(n, outcome, retry);
        if (wait === null) break;
        await sleep(wait, req.signal).catch(() => {});
      }
    }
    if (req.signal.aborted) throw clientLeft();
    if (!tried && roomIn !== Infinity) {
      throw new DeploymentsAtLimit(req.request.model, Math.max(1, Math.ceil(roomIn / 1000)));
    }
    throw new UpstreamsFailed(
      failedStatus(last, resting.length === queue.length),
      req.request.model,
      req.attempts,
      backoffHeaders(last?.reply?.headers),
    );
  }

  /** A failure worth another try: a listed status, any 5xx, or no status at all. */
  #fallsBack(f: Failed): boolean {
    return f.status === null || f.status >= 500 || this.#fallbackOn.has(f.status);
  }

  #call(
    d: Deployment,
    model: string,
    req: RouteRequest,
    translation: Translation | undefined,
  ): UpstreamCall {
    const { body, raw } = req.request;
    // Gemini's path names the model and the stream; its body goes out as it came.
    const inPath = APIS[req.api].modelInPath === true;
    const same = inPath || model === body.model;
    if (translation) {
      const named = inPath ? { ...body, model, stream: req.request.stream } : { ...body, model };
      return {
        api: translation.api,
        model,
        body: translation.request(named, req.drop ?? (() => {})),
        stream: req.request.stream,
        // The client's query string and vendor headers belong to its own API.
        headers: d.provider.headers.apply(
          withoutPrefix(req.headers, clientFormat(req.api)?.headerPrefix),
        ),
        query: "",
        signal: req.signal,
      };
    }
    return {
      api: req.api,
      model,
      body: same ? body : { ...body, model },
      // Only the model name changes: splice it into the client's bytes rather than re-serialise.
      raw: raw === undefined ? undefined : same ? raw : setTopLevelString(raw, "model", model),
      stream: req.request.stream,
      headers: d.provider.headers.apply(req.headers),
      // Gemini's query holds the client's key (`?key=`) and `alt`: the provider makes its own.
      query: inPath ? "" : req.query,
      signal: req.signal,
    };
  }
}

const clientLeft = () => new ProxyError(499, "client disconnected", "client_closed_request");

/** Headers of one vendor's API (`anthropic-…`) mean nothing to another's. */
function withoutPrefix(
  headers: Record<string, string>,
  prefix: string | undefined,
): Record<string, string> {
  if (!prefix) return headers;
  const out: Record<string, string> = {};
  for (const name in headers) if (!name.startsWith(prefix)) out[name] = headers[name];
  return out;
}

/**
 * The status of a request no deployment served: a rate limit (429) or
 * Anthropic's overload (529) when that was the last word — the client's SDK
 * backs off on them, with the upstream's headers — else 503 when all were
 * resting, 504 after a timeout, 502.
 */
function failedStatus(last: Failed | undefined, allResting: boolean): number {
  if (last?.status === 429 || last?.status === 529) return last.status;
  return allResting ? 503 : last?.timeout ? 504 : 502;
}
