/**
 * The running config, replaced while traffic flows (SPEC §13). A reload
 * loads and checks the whole new config — file, plugins, providers — and
 * only then swaps it in: requests already started finish on the runtime
 * they began with, new ones take the new. The state stores, routing
 * statistics and metrics carry across (by key and deployment name); the
 * answer cache starts empty. A broken edit changes nothing: its problems are
 * logged and returned. A changed host, port, worker count or state store
 * needs a restart: it is said, and the running one is kept.
 */
import {
  ConfigError,
  type Env,
  loadConfig,
  type Overrides,
  runningProblems,
} from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { loadPlugins } from "../plugins/load.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { createApp } from "./app.ts";
import { sleep } from "../sleep.ts";

/** Where a config comes from, so it can be read again. */
export interface ConfigSource {
  /** The file, or null for the embedded default. */
  path: string | null;
  /** Flags that override the file (`--host`, `--port`). */
  overrides: Overrides;
}

export type ReloadResult =
  | { ok: true; warnings: string[] }
  | { ok: false; problems: string[] };

/** What the admin routes see of the running config. */
export interface Loaded {
  sha256: string;
  /** Epoch ms. */
  at: number;
}

type Handler = (req: Request) => Promise<Response>;

export class Live {
  #rt: Runtime;
  #handler: Handler;
  #loaded: Loaded;
  #reloading: Promise<ReloadResult> | undefined;
  /** Replaced runtimes still finishing their requests. */
  readonly #retiring = new Set<Promise<void>>();
  /** Told once a reload is in: the listener takes its new limits from it. */
  onSwap: (config: Config) => void = () => {};

  constructor(rt: Runtime, readonly source: ConfigSource | null, sha256: string) {
    this.#rt = rt;
    this.#handler = createApp(rt);
    this.#loaded = { sha256, at: Date.now() };
    rt.live = this;
    rt.metrics.configLoaded(this.#loaded.at);
  }

  get rt(): Runtime {
    return this.#rt;
  }

  get loaded(): Loaded {
    return this.#loaded;
  }

  /** The request handler of the config running now. */
  readonly handle: Handler = (req) => this.#handler(req);

  /** Reads the config again and swaps it in if it is whole; one reload at a time. */
  reload(): Promise<ReloadResult> {
    const previous = this.#reloading ?? Promise.resolve();
    const next = previous.then(() => this.#reload(), () => this.#reload());
    this.#reloading = next;
    return next.finally(() => {
      if (this.#reloading === next) this.#reloading = undefined;
    });
  }

  async #reload(): Promise<ReloadResult> {
    const old = this.#rt;
    if (!this.source) {
      return {
        ok: false,
        problems: ["this proxy was not started from a config it can read again"],
      };
    }
    let next: Runtime;
    let sha256: string;
    const warnings: string[] = [];
    try {
      const env = Deno.env.toObject() as Env;
      const loaded = loadConfig(this.source.path, env, this.source.overrides);
      warnings.push(...loaded.warnings);
      sha256 = loaded.sha256;
      warnings.push(...keepRestartOnly(old.config, loaded.config));
      // Checked as it will run: the new keys on the old listener (no key on 0.0.0.0 is refused).
      const running = runningProblems(loaded.config);
      if (running.length) throw new ConfigError(running);
      const plugins = await loadPlugins(loaded.config.plugins);
      next = createRuntime(loaded.config, plugins, { carry: old });
    } catch (err) {
      const problems = err instanceof ConfigError
        ? err.problems
        : [`reload: ${(err as Error)?.message ?? err}`];
      old.metrics.configReload("error");
      old.logger.error(`reload refused, the running config stays:\n  ${problems.join("\n  ")}`);
      return { ok: false, problems };
    }
    this.#rt = next;
    this.#handler = createApp(next);
    this.#loaded = { sha256, at: Date.now() };
    next.live = this;
    next.metrics.configReload("ok");
    next.metrics.configLoaded(this.#loaded.at);
    this.onSwap(next.config);
    for (const w of warnings) next.logger.warn(w);
    next.logger.info(`config reloaded (sha256 ${sha256.slice(0, 12)})`);
    const retiring = this.#retire(old, next);
    this.#retiring.add(retiring);
    retiring.finally(() => this.#retiring.delete(retiring));
    return { ok: true, warnings };
  }

  /**
   * Lets `old`'s requests finish, then writes out its lines and closes what
   * it held that `next`, which replaced it, does not (its log file, its exporter).
   */
  async #retire(old: Runtime, next: Runtime): Promise<void> {
    while (old.open > 0) await sleep(50);
    if (old.recorder.options.file === next.recorder.options.file) await old.recorder.flush();
    else await old.recorder.close();
    if (old.exporter !== next.exporter) await old.exporter?.close();
  }

  /** Waits for a reload and retirements under way, then closes the running runtime's log files. */
  async close(): Promise<void> {
    await this.#reloading?.catch(() => {});
    await Promise.all(this.#retiring);
    await this.#rt.recorder.close();
    await this.#rt.exporter?.close();
  }
}

/**
 * What a running process cannot change in place — where it listens, how many
 * workers, which state store — kept as it runs, each change said.
 */
function keepRestartOnly(running: Config, next: Config): string[] {
  const said: string[] = [];
  const keep = <T>(name: string, was: T, now: T, put: (v: T) => void) => {
    if (JSON.stringify(was) === JSON.stringify(now)) return;
    said.push(
      `${name}: changed from ${JSON.stringify(was)} to ${JSON.stringify(now)}; takes a restart`,
    );
    put(was);
  };
  keep("server.host", running.server.host, next.server.host, (v) => next.server.host = v);
  keep("server.port", running.server.port, next.server.port, (v) => next.server.port = v);
  keep("server.workers", running.server.workers, next.server.workers, (v) => {
    next.server.workers = v;
  });
  keep("state", running.state, next.state, (v) => next.state = v);
  return said;
}
