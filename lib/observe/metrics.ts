/**
 * switchyard's metrics (`/metrics`, one set per runtime): requests and errors
 * by route, model, provider and status class; latency and time-to-first-byte
 * histograms; tokens and cost by model and provider; attempts and fallbacks;
 * deployments in cooldown; process memory.
 */
import { CONTENT_TYPE, Counter, Gauge, Histogram, Registry } from "./prometheus.ts";
import type { CallRecord } from "./record.ts";
import type { Cooling } from "../state/types.ts";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Distinct model names counted under their own label (glob routes take any name); the rest are `other`. */
const MAX_MODEL_LABELS = 500;

export interface MetricsSources {
  /** Deployments cooling down now, with the seconds left (read at each scrape). */
  cooldowns(): Cooling[] | Promise<Cooling[]>;
  /** True for a route switchyard serves: any other path counts as `other`. */
  /** The route a path counts under (a named route's prefix, `/admin/keys/`), or null for none. */
  routeLabel(path: string): string | null;
  /** True for a model name the config serves: any other counts as `other`. */
  knownModel(name: string): boolean;
  /** Each virtual key's spend this period and budget (null: none), read at each scrape. */
  keySpend?(): Promise<{ key: string; spendUsd: number; budgetUsd: number | null }[]>;
  /** Charges made while the state store was down, not written to it yet. */
  pendingCharges(): number;
}

export class Metrics {
  readonly contentType = CONTENT_TYPE;
  readonly #registry = new Registry();
  readonly #requests;
  readonly #errors;
  readonly #latency;
  readonly #ttfb;
  readonly #tokens;
  readonly #cost;
  readonly #attempts;
  readonly #fallbacks;
  readonly #rateLimited;
  readonly #stateErrors;
  readonly #reloads;
  readonly #droppedSpans;
  #loadedAt = 0;
  readonly #models = new Set<string>();
  /** The keys' spend as of the last scrape (read before rendering: the store may be remote). */
  #spend: { key: string; spendUsd: number; budgetUsd: number | null }[] = [];
  /** The cooldowns as of the last scrape. */
  #cooling: Cooling[] = [];

  readonly #keyed: boolean;

  /** `keyed`: keys are configured, so requests, tokens and cost carry a `key` label. */
  /** `sources` may be replaced (a reload); the counters stay. */
  constructor(public sources: MetricsSources, keyed = false) {
    this.#keyed = keyed;
    const cooldowns = () => this.#cooling;
    const r = this.#registry;
    const key = keyed ? ["key"] : [];
    const by = ["route", "model", "provider", "status_class", ...key];
    this.#requests = r.add(new Counter("switchyard_requests_total", "Requests answered", by));
    this.#errors = r.add(
      new Counter(
        "switchyard_errors_total",
        "Requests that failed: an error status, or a stream ended by an error (status_class=stream)",
        by,
      ),
    );
    this.#latency = r.add(
      new Histogram(
        "switchyard_request_duration_seconds",
        "Time from request to the end of the answer",
        ["model", "provider"],
        SECONDS,
      ),
    );
    this.#ttfb = r.add(
      new Histogram(
        "switchyard_time_to_first_byte_seconds",
        "Time from request to the response head (a stream's first chunk)",
        ["model", "provider"],
        SECONDS,
      ),
    );
    this.#tokens = r.add(
      new Counter(
        "switchyard_tokens_total",
        "Tokens by kind: prompt (cached included), completion, cache_read, cache_write",
        ["model", "provider", "kind", ...key],
      ),
    );
    this.#cost = r.add(
      new Counter("switchyard_cost_usd_total", "Cost of priced providers, USD", [
        "model",
        "provider",
        ...key,
      ]),
    );
    this.#attempts = r.add(
      new Counter(
        "switchyard_upstream_attempts_total",
        "Tries of upstream deployments by result (ok, or the failing status or error class)",
        ["provider", "result"],
      ),
    );
    this.#fallbacks = r.add(
      new Counter(
        "switchyard_fallbacks_total",
        "Requests that moved on from their first deployment",
        ["model"],
      ),
    );
    this.#rateLimited = r.add(
      new Counter(
        "switchyard_rate_limited_total",
        "Requests refused for a limit: rpm, tpm, max_parallel, budget (a key's), deployment (every deployment at its own)",
        ["key", "limit"],
      ),
    );
    this.#stateErrors = r.add(
      new Counter(
        "switchyard_state_errors_total",
        "State store operations that failed or took longer than state.timeout_ms",
        [],
      ),
    );
    this.#droppedSpans = r.add(
      new Counter(
        "switchyard_otel_dropped_spans_total",
        "Spans dropped: the export queue was full or the collector refused them",
        [],
      ),
    );
    this.#reloads = r.add(
      new Counter("switchyard_config_reloads_total", "Config reloads by result", ["result"]),
    );
    r.add(
      new Gauge(
        "switchyard_config_loaded_timestamp_seconds",
        "When the running config was loaded, Unix seconds",
        [],
        () => [[[], this.#loadedAt / 1000]],
      ),
    );
    r.add(
      new Gauge(
        "switchyard_state_pending_charges",
        "Charges made while the state store was down, to be written once it answers",
        [],
        () => [[[], this.sources.pendingCharges()]],
      ),
    );
    r.add(
      new Gauge(
        "switchyard_key_spend_usd",
        "A virtual key's spend this budget period, USD",
        ["key"],
        () => this.#spend.map((k) => [[k.key], k.spendUsd]),
      ),
    );
    r.add(
      new Gauge(
        "switchyard_key_budget_usd",
        "A virtual key's budget for its period, USD",
        ["key"],
        () => this.#spend.flatMap((k) => (k.budgetUsd === null ? [] : [[[k.key], k.budgetUsd]])),
      ),
    );
    r.add(
      new Gauge(
        "switchyard_deployments_in_cooldown",
        "Deployments sitting out after repeated failures",
        [],
        () => [[[], cooldowns().length]],
      ),
    );
    r.add(
      new Gauge(
        "switchyard_deployment_cooldown_seconds",
        "Seconds left in cooldown, by deployment",
        ["deployment"],
        () => cooldowns().map((c) => [[c.deployment], c.seconds_left]),
      ),
    );
    r.add(
      new Gauge(
        "switchyard_process_memory_bytes",
        "Process memory by kind (rss, heap_used, heap_total, external)",
        ["kind"],
        () => {
          const m = Deno.memoryUsage();
          return [
            [["rss"], m.rss],
            [["heap_used"], m.heapUsed],
            [["heap_total"], m.heapTotal],
            [["external"], m.external],
          ];
        },
      ),
    );
  }

  /**
   * A label for the client's model name: clients choose it, so unknown names
   * and every name past the first MAX_MODEL_LABELS count as `other`.
   */
  #modelLabel(name: string | null): string {
    if (name === null) return "";
    if (this.#models.has(name)) return name;
    if (this.#models.size >= MAX_MODEL_LABELS || !this.sources.knownModel(name)) return "other";
    this.#models.add(name);
    return name;
  }

  /** Counts one finished request. */
  observe(r: CallRecord): void {
    const model = this.#modelLabel(r.model);
    const provider = r.provider ?? "";
    const route = this.sources.routeLabel(r.route) ?? "other";
    const statusClass = `${Math.floor(r.status / 100)}xx`;
    const key = this.#keyed ? [r.key ?? ""] : [];
    this.#requests.inc([route, model, provider, statusClass, ...key]);
    if (r.status >= 400) this.#errors.inc([route, model, provider, statusClass, ...key]);
    else if (r.error) this.#errors.inc([route, model, provider, "stream", ...key]);
    const target = [model, provider];
    this.#latency.observe(target, r.latency_ms / 1000);
    if (r.ttfb_ms !== null) this.#ttfb.observe(target, r.ttfb_ms / 1000);
    const u = r.usage;
    if (u) {
      this.#tokens.inc([model, provider, "prompt", ...key], u.prompt_tokens);
      this.#tokens.inc([model, provider, "completion", ...key], u.completion_tokens);
      if (u.cache_read_tokens) {
        this.#tokens.inc([model, provider, "cache_read", ...key], u.cache_read_tokens);
      }
      if (u.cache_write_tokens) {
        this.#tokens.inc([model, provider, "cache_write", ...key], u.cache_write_tokens);
      }
    }
    if (r.cost_usd) this.#cost.inc([model, provider, ...key], r.cost_usd);
    const first = r.attempts[0];
    let movedOn = false;
    for (const a of r.attempts) {
      const result = a.error === null && a.status !== null && a.status < 400
        ? "ok"
        : a.status !== null
        ? String(a.status)
        : "network";
      this.#attempts.inc([a.provider, result]);
      movedOn ||= a.provider !== first.provider || a.model !== first.model;
    }
    if (movedOn) this.#fallbacks.inc([model]);
  }

  /** Counts one request refused for `limit` (`deployment` when every deployment was at its own). */
  rateLimited(key: string, limit: string): void {
    this.#rateLimited.inc([key, limit]);
  }

  spansDropped(n: number): void {
    this.#droppedSpans.inc([], n);
  }

  /** Counts one reload (the first load is not one). */
  configReload(result: "ok" | "error"): void {
    this.#reloads.inc([result]);
  }

  /** When the running config was loaded (epoch ms). */
  configLoaded(at: number): void {
    this.#loadedAt = at;
  }

  /** Counts one failed or late state store operation. */
  stateError(): void {
    this.#stateErrors.inc([]);
  }

  /** The exposition text. */
  async text(): Promise<string> {
    this.#cooling = await this.sources.cooldowns();
    if (this.sources.keySpend) this.#spend = await this.sources.keySpend();
    return this.#registry.text();
  }
}
