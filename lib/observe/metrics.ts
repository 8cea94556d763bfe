/**
 * `/metrics` in Prometheus' text format (prom-client, one registry per
 * runtime): requests and errors by model, provider and status class; latency
 * and time-to-first-byte histograms; tokens and cost by model and provider;
 * attempts and fallbacks; deployments in cooldown; process memory.
 */
import client from "prom-client";
import type { Cooldown } from "../routing/cooldown.ts";
import type { CallRecord } from "./record.ts";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  readonly registry = new client.Registry();
  readonly #requests;
  readonly #errors;
  readonly #latency;
  readonly #ttfb;
  readonly #tokens;
  readonly #cost;
  readonly #attempts;
  readonly #fallbacks;

  constructor(cooldown: Cooldown) {
    const registers = [this.registry];
    const by = ["route", "model", "provider", "status_class"] as const;
    this.#requests = new client.Counter({
      name: "switchyard_requests_total",
      help: "Requests answered",
      labelNames: by,
      registers,
    });
    this.#errors = new client.Counter({
      name: "switchyard_errors_total",
      help:
        "Requests that failed: an error status, or a stream ended by an error (status_class=stream)",
      labelNames: by,
      registers,
    });
    this.#latency = new client.Histogram({
      name: "switchyard_request_duration_seconds",
      help: "Time from request to the end of the answer",
      labelNames: ["model", "provider"],
      buckets: SECONDS,
      registers,
    });
    this.#ttfb = new client.Histogram({
      name: "switchyard_time_to_first_byte_seconds",
      help: "Time from request to the response head (a stream's first chunk)",
      labelNames: ["model", "provider"],
      buckets: SECONDS,
      registers,
    });
    this.#tokens = new client.Counter({
      name: "switchyard_tokens_total",
      help: "Tokens by kind: prompt (cached included), completion, cache_read, cache_write",
      labelNames: ["model", "provider", "kind"],
      registers,
    });
    this.#cost = new client.Counter({
      name: "switchyard_cost_usd_total",
      help: "Cost of priced providers, USD",
      labelNames: ["model", "provider"],
      registers,
    });
    this.#attempts = new client.Counter({
      name: "switchyard_upstream_attempts_total",
      help: "Tries of upstream deployments by result (ok, or the failing status or error class)",
      labelNames: ["provider", "result"],
      registers,
    });
    this.#fallbacks = new client.Counter({
      name: "switchyard_fallbacks_total",
      help: "Requests that moved on from their first deployment",
      labelNames: ["model"],
      registers,
    });
    new client.Gauge({
      name: "switchyard_deployments_in_cooldown",
      help: "Deployments sitting out after repeated failures",
      registers,
      collect() {
        this.set(cooldown.active().length);
      },
    });
    new client.Gauge({
      name: "switchyard_deployment_cooldown_seconds",
      help: "Seconds left in cooldown, by deployment",
      labelNames: ["deployment"],
      registers,
      collect() {
        this.reset();
        for (const c of cooldown.active()) this.set({ deployment: c.deployment }, c.seconds_left);
      },
    });
    new client.Gauge({
      name: "switchyard_process_memory_bytes",
      help: "Process memory by kind (rss, heap_used, heap_total, external)",
      labelNames: ["kind"],
      registers,
      collect() {
        const m = Deno.memoryUsage();
        this.set({ kind: "rss" }, m.rss);
        this.set({ kind: "heap_used" }, m.heapUsed);
        this.set({ kind: "heap_total" }, m.heapTotal);
        this.set({ kind: "external" }, m.external);
      },
    });
  }

  /** Counts one finished request. */
  observe(r: CallRecord): void {
    const model = r.model ?? "";
    const provider = r.provider ?? "";
    const labels = {
      route: r.route,
      model,
      provider,
      status_class: `${Math.floor(r.status / 100)}xx`,
    };
    this.#requests.inc(labels);
    if (r.status >= 400) this.#errors.inc(labels);
    else if (r.error) this.#errors.inc({ ...labels, status_class: "stream" });
    this.#latency.observe({ model, provider }, r.latency_ms / 1000);
    if (r.ttfb_ms !== null) this.#ttfb.observe({ model, provider }, r.ttfb_ms / 1000);
    const u = r.usage;
    if (u) {
      this.#tokens.inc({ model, provider, kind: "prompt" }, u.prompt_tokens);
      this.#tokens.inc({ model, provider, kind: "completion" }, u.completion_tokens);
      if (u.cache_read_tokens) {
        this.#tokens.inc({ model, provider, kind: "cache_read" }, u.cache_read_tokens);
      }
      if (u.cache_write_tokens) {
        this.#tokens.inc({ model, provider, kind: "cache_write" }, u.cache_write_tokens);
      }
    }
    if (r.cost_usd) this.#cost.inc({ model, provider }, r.cost_usd);
    for (const a of r.attempts) {
      const result = a.error === null && a.status !== null && a.status < 400
        ? "ok"
        : a.status !== null
        ? String(a.status)
        : "network";
      this.#attempts.inc({ provider: a.provider, result });
    }
    if (new Set(r.attempts.map((a) => `${a.provider}/${a.model}`)).size > 1) {
      this.#fallbacks.inc({ model });
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
