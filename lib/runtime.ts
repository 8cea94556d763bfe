/**
 * The composition root: a loaded config turned into the objects that serve
 * requests — the state stores, providers, the model table, the router, keys,
 * the logs. Nothing global: tests start as many runtimes as they like.
 */
import type { Config } from "./config/schema.ts";
import { ConfigError } from "./config/load.ts";
import { Logger } from "./observe/log.ts";
import { FileLog } from "./observe/file_log.ts";
import { Metrics, type MetricsSources } from "./observe/metrics.ts";
import { Recorder } from "./observe/recorder.ts";
import { Redactor } from "./observe/redact.ts";
import { checkedProvider, providerTypes } from "./providers/registry.ts";
import type { Plugin } from "./plugin.ts";
import { HookRunner } from "./plugins/hooks.ts";
import { Cooldowns } from "./routing/cooldown.ts";
import { ModelTable, type ProviderEntry } from "./routing/resolve.ts";
import { canServe } from "./formats/translation.ts";
import { Router } from "./routing/router.ts";
import { routeLabel } from "./server/app.ts";
import { Admission } from "./keys/admission.ts";
import { DeploymentLimits } from "./routing/deployment_limits.ts";
import { DeploymentStats } from "./routing/stats.ts";
import { KeyTable } from "./keys/keys.ts";
import { Splitter } from "./splitter/splitter.ts";
import { MemoryAnswers } from "./state/memory.ts";
import { openState, type State } from "./state/open.ts";
import { nowAndThen } from "./observe/now_and_then.ts";
import type { AnswerStore, CooldownStore, LimitStore } from "./state/types.ts";
import { HeaderPolicy } from "./transforms/headers.ts";
import { Transforms } from "./transforms/transforms.ts";
import type { Live } from "./server/live.ts";
import { Tracer } from "./observe/trace.ts";
import { Dashboard } from "./observe/dashboard.ts";
import { OtlpExporter } from "./observe/otlp.ts";
import denoJson from "../deno.json" with { type: "json" };

export interface Runtime {
  config: Config;
  providers: Map<string, ProviderEntry>;
  models: ModelTable;
  router: Router;
  /** Deployments sitting out, as the state store keeps them. */
  cooldowns: CooldownStore;
  /** The admin and virtual keys. */
  keys: KeyTable;
  /** Admission and charging for virtual keys, over the limit store. */
  admission: Admission;
  /** Rate windows, slots and spend of keys and deployments. */
  limits: LimitStore;
  /** Now, in epoch ms: the one clock limits are counted by (tests inject theirs). */
  clock: () => number;
  logger: Logger;
  /** Where finished requests go: console line, file log, metrics. */
  recorder: Recorder;
  metrics: Metrics;
  /** Masks provider and client keys in text bound for clients and logs. */
  redactor: Redactor;
  /** The companion request, when `splitter` is configured. */
  splitter?: Splitter;
  /** Request and answer rewriting (`transforms`). */
  transforms: Transforms;
  /** The plugins' hooks. */
  hooks: HookRunner;
  /** Non-streaming answers by request, when `cache` is configured. */
  cache?: AnswerStore;
  /** The state stores (`state.url`), closed at shutdown. */
  state: State;
  /** What `latency` and `least_busy` go by. */
  stats: DeploymentStats;
  /** Requests begun on this runtime and not yet finished: a reload lets them end on it. */
  open: number;
  /** The reloadable config serving it (the admin routes reload and show it). */
  live?: Live;
  /** Traces, when `otel` is configured (or the OTEL_* variables). */
  tracer?: Tracer;
  /** Where ended spans go; flushed and closed with the runtime that made it. */
  exporter?: OtlpExporter;
  /** What the dashboard shows (`server.ui`), carried across reloads. */
  dashboard?: Dashboard;
}

/**
 * Builds every provider (built-in types and the loaded plugins'); an unknown
 * type, a type claimed twice or a failing factory is a ConfigError.
 */
export interface RuntimeOptions {
  /** The clock limits are counted by (default: the system's). */
  clock?: () => number;
  /** What a reload keeps from the runtime it replaces: its state, routing statistics and counters. */
  carry?: Runtime;
}

export function createRuntime(
  config: Config,
  plugins: readonly Plugin[] = [],
  options: RuntimeOptions = {},
): Runtime {
  const carried = options.carry;
  const clock = options.clock ?? carried?.clock ?? Date.now;
  const secrets = [
    ...config.server.api_keys,
    ...config.keys.flatMap((k) => (k.key ? [k.key] : [])),
    ...Object.values(config.providers).flatMap((p) =>
      [p.api_key, p.secret_access_key, p.session_token].filter((s): s is string => !!s)
    ),
    ...urlPassword(config.state.url),
    // Bedrock's credentials may come from the environment.
    ...(Object.values(config.providers).some((p) => p.type === "bedrock")
      ? ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].flatMap((n) => Deno.env.get(n) ?? [])
      : []),
    ...Object.values(config.otel?.headers ?? {}),
  ];
  const redactor = new Redactor(secrets);
  const maxResponseBytes = config.server.max_response_mb * 1048576;
  const providers = buildProviders(config, plugins, redactor.text, maxResponseBytes);
  const logger = new Logger(config.log.level, redactor.text);
  const stateWarning = nowAndThen((message) => logger.error(message));
  const state = carried?.state ?? openState(config.state, clock, (err) => {
    metrics.stateError();
    stateWarning(
      `state store (${redactor.text(config.state.url)}): ${(err as Error)?.message ?? err}`,
    );
  });
  const { cooldowns, limits } = state;
  const stats = carried?.stats ?? new DeploymentStats();
  // Only the strategies that read them need other instances' counts.
  if (["latency", "least_busy"].includes(config.routing.strategy)) state.shareRouteStats(stats);
  const router = new Router({
    settings: config.routing,
    cooldowns: new Cooldowns(config.routing.cooldown, cooldowns),
    maxResponseBytes,
    limits: new DeploymentLimits(limits, clock),
    stats,
  });
  const models = new ModelTable(
    config.models,
    providers,
    (d, api) => canServe(api, d.provider.apis, config.routing.translate),
    config.routing.strategy !== "priority",
  );
  const sources: MetricsSources = {
    cooldowns: () => cooldowns.active(),
    pendingCharges: () => state.pending(),
    routeLabel,
    knownModel: (name) => models.resolve(name) !== undefined,
    keySpend: () =>
      Promise.all([...keys.byName.values()].map(async (k) => {
        const report = await admission.report(k);
        return { key: k.name, spendUsd: report.spend_usd, budgetUsd: k.budget?.usd ?? null };
      })),
  };
  // Counters carry across a reload; whether they have a key label is decided at the first load.
  const metrics = carried?.metrics ??
    new Metrics(sources, config.server.api_keys.length > 0 || config.keys.length > 0);
  metrics.sources = sources;
  const keys = new KeyTable(config.server.api_keys, config.keys);
  const dashboard = config.server.ui ? carried?.dashboard ?? new Dashboard(clock) : undefined;
  // The exporter outlives a reload that leaves `otel` as it was.
  const exporter = !config.otel
    ? undefined
    : carried?.exporter && JSON.stringify(carried.config.otel) === JSON.stringify(config.otel)
    ? carried.exporter
    : new OtlpExporter({
      endpoint: config.otel.endpoint,
      protocol: config.otel.protocol,
      headers: config.otel.headers,
      serviceName: config.otel.service_name,
      version: denoJson.version,
      onDrop: (n) => metrics.spansDropped(n),
    });
  const admission = new Admission(limits, clock, (key, limit) => metrics.rateLimited(key, limit));
  const fileOptions = {
    dir: config.log.dir,
    maxBytes: config.log.max_file_mb * 1048576,
    keepFiles: config.log.keep_files,
    redact: redactor.text,
    onError: (message: string) => logger.error(message),
  };
  // One writer per file: a reload that keeps log.dir keeps the file log (masking the new secrets).
  const kept = carried?.recorder.options.file;
  const sameFile = kept && kept.options.dir === fileOptions.dir &&
    kept.options.maxBytes === fileOptions.maxBytes &&
    kept.options.keepFiles === fileOptions.keepFiles;
  if (sameFile) Object.assign(kept.options, fileOptions);
  const file = config.log.dir === "" ? null : sameFile ? kept : new FileLog(fileOptions);
  const prices = new Map(
    Object.entries(config.providers).flatMap(([name, p]) => (p.price ? [[name, p.price]] : [])),
  );
  return {
    config,
    providers,
    models,
    router,
    cooldowns,
    keys,
    admission,
    limits,
    clock,
    logger,
    metrics,
    recorder: new Recorder({
      logger,
      file,
      metrics,
      prices,
      bodies: config.log.bodies,
      dashboard,
      // Charged from the upstream's own usage, once known: a stream's at its end.
      charge: (r) => {
        const key = r.key === undefined ? undefined : keys.byName.get(r.key);
        const tokens = r.usage?.total_tokens ?? 0;
        const charged = key && admission.charge(key, tokens, r.cost_usd ?? 0);
        if (charged instanceof Promise) {
          charged.catch((err) =>
            logger.error(`charging key '${key!.name}': ${err?.message ?? err}`)
          );
        }
        if (r.deployment && tokens) router.charge(r.deployment, tokens);
      },
    }),
    redactor,
    splitter: config.splitter && new Splitter(config.splitter, state.companions),
    transforms: new Transforms(config.transforms),
    hooks: new HookRunner(plugins, logger),
    cache: config.cache &&
      (config.cache.store === "state"
        ? state.answers(config.cache.ttl_s * 1000, config.cache.max_entries)
        : new MemoryAnswers(config.cache.ttl_s * 1000, config.cache.max_entries)),
    state,
    stats,
    open: 0,
    tracer: exporter && new Tracer(exporter, config.otel!.sample_ratio),
    exporter,
    dashboard,
  };
}

function buildProviders(
  config: Config,
  plugins: readonly Plugin[],
  redact: (text: string) => string,
  maxResponseBytes: number,
): Map<string, ProviderEntry> {
  const providers = new Map<string, ProviderEntry>();
  const { types, owner, problems } = providerTypes(plugins);
  for (const [name, pc] of Object.entries(config.providers)) {
    const factory = types[pc.type];
    if (!factory) {
      problems.push(
        `providers.${name}.type: unknown provider type '${pc.type}' (known: ${
          Object.keys(types).join(", ")
        })`,
      );
      continue;
    }
    try {
      const built = factory({ name, config: pc, redact, maxResponseBytes });
      const provider = checkedProvider(built, pc.type, owner[pc.type]);
      providers.set(name, {
        name,
        config: pc,
        headers: new HeaderPolicy(pc.headers),
        apis: provider.apis,
        impl: provider,
      });
    } catch (err) {
      problems.push(`providers.${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return providers;
}

/** A password in a store URL, to be masked wherever the URL or an error might show it. */
function urlPassword(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
