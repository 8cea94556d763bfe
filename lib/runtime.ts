/**
 * A loaded config turned into the objects that serve requests: providers
 * built, the model table, the router, keys, the logger. Nothing global: tests
 * start as many runtimes as they like.
 */
import type { Config } from "./config/schema.ts";
import { ConfigError } from "./config/load.ts";
import { Logger } from "./observe/log.ts";
import { FileLog } from "./observe/file_log.ts";
import { Metrics } from "./observe/metrics.ts";
import { Recorder } from "./observe/recorder.ts";
import { Redactor } from "./observe/redact.ts";
import { checkedProvider, providerTypes } from "./providers/registry.ts";
import type { Plugin } from "./plugin.ts";
import { HookRunner } from "./plugins/hooks.ts";
import { AnswerCache } from "./cache.ts";
import { ModelTable, type ProviderEntry } from "./routing/resolve.ts";
import { Router } from "./routing/router.ts";
import { KeyCheck } from "./server/auth.ts";
import { isRoute } from "./server/app.ts";
import { Splitter } from "./splitter.ts";
import { HeaderPolicy } from "./transforms/headers.ts";
import { Transforms } from "./transforms/transforms.ts";

export interface Runtime {
  config: Config;
  providers: Map<string, ProviderEntry>;
  models: ModelTable;
  router: Router;
  keys: KeyCheck;
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
  cache?: AnswerCache;
}

/**
 * Builds every provider (built-in types and the loaded plugins'); an unknown
 * type, a type claimed twice or a failing factory is a ConfigError.
 */
export function createRuntime(config: Config, plugins: readonly Plugin[] = []): Runtime {
  const secrets = [
    ...config.server.api_keys,
    ...Object.values(config.providers).flatMap((p) => (p.api_key ? [p.api_key] : [])),
  ];
  const redactor = new Redactor(secrets);
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
      providers.set(name, {
        name,
        provider: checkedProvider(
          factory({
            name,
            config: pc,
            redact: redactor.text,
            maxResponseBytes: config.server.max_response_mb * 1048576,
          }),
          pc.type,
          owner[pc.type],
        ),
        config: pc,
        headers: new HeaderPolicy(pc.headers),
      });
    } catch (err) {
      problems.push(`providers.${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const logger = new Logger(config.log.level, (text) => redactor.text(text));
  const router = new Router(config.routing, config.server.max_response_mb * 1048576);
  const models = new ModelTable(config.models, providers);
  const metrics = new Metrics({
    cooldowns: () => router.cooldown.active(),
    knownRoute: isRoute,
    knownModel: (name) => models.resolve(name) !== undefined,
  });
  const file = config.log.dir === "" ? null : new FileLog({
    dir: config.log.dir,
    maxBytes: config.log.max_file_mb * 1048576,
    keepFiles: config.log.keep_files,
    redact: (text) => redactor.text(text),
    onError: (message) => logger.error(message),
  });
  const prices = new Map(
    Object.entries(config.providers).flatMap(([name, p]) => (p.price ? [[name, p.price]] : [])),
  );
  return {
    config,
    providers,
    models,
    router,
    keys: new KeyCheck(config.server.api_keys),
    logger,
    metrics,
    recorder: new Recorder({ logger, file, metrics, prices, bodies: config.log.bodies }),
    redactor,
    splitter: config.splitter && new Splitter(config.splitter),
    transforms: new Transforms(config.transforms),
    hooks: new HookRunner(plugins, logger),
    cache: config.cache && new AnswerCache(config.cache.ttl_s * 1000, config.cache.max_entries),
  };
}
