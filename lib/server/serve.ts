/**
 * Listening: our listener around the running config's app, reloads (SIGHUP,
 * `server.watch`; `/admin/reload` is a route), and the SIGTERM/SIGINT drain
 * (stop accepting, let in-flight requests and streams finish within
 * `shutdown_grace_s`, then return so the process exits 0).
 */
import { ConfigError, fileSha256 } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { errorResponse } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { listen, type Listening, type ListenOptions } from "./listener.ts";
import { type ConfigSource, Live } from "./live.ts";
import { watchFiles, type Watching } from "./watch.ts";
import { onReloadSignal, stopSignal } from "./signals.ts";

export interface Running {
  /** The running config, reloadable. */
  live: Live;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  /** Stops accepting and waits for in-flight requests, at most `graceMs`. */
  shutdown(graceMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartOptions {
  /** Share the port with other processes (a worker). */
  reusePort?: boolean;
  /** Where the config came from, so it can be reloaded; the SHA-256 of its bytes. */
  source?: ConfigSource;
  sha256?: string;
}

/** The listener's limits a reload may change. */
function limitsOf(
  config: Config,
): Pick<ListenOptions, "maxConnections" | "headerTimeoutMs" | "keepAliveMs"> {
  const { max_connections, header_timeout_s, keepalive_s } = config.server;
  return {
    maxConnections: max_connections,
    headerTimeoutMs: header_timeout_s * 1000,
    keepAliveMs: keepalive_s * 1000,
  };
}

/** Starts serving `rt` on its configured host and port (0 picks a free port). */
export function start(rt: Runtime, options: StartOptions = {}): Running {
  const live = new Live(rt, options.source ?? null, options.sha256 ?? "");
  const { host, port } = rt.config.server;
  let server: Listening;
  const listening: ListenOptions = {
    hostname: host,
    port,
    ...limitsOf(rt.config),
    handler: live.handle,
    onError: (err) => {
      live.rt.logger.error(`unhandled: ${(err as Error)?.stack ?? err}`);
      return errorResponse("openai", err, live.rt.redactor.text);
    },
    warn: (message) => live.rt.logger.warn(message),
    reusePort: options.reusePort,
  };
  // The listener reads its limits from this object as it goes: a reload's apply at once.
  live.onSwap = (config) => Object.assign(listening, limitsOf(config));
  try {
    server = listen(listening);
  } catch (err) {
    if (!(err instanceof Deno.errors.AddrInUse || err instanceof Deno.errors.AddrNotAvailable)) {
      throw err;
    }
    const why = err instanceof Deno.errors.AddrInUse
      ? "is already in use"
      : "is not an address of this machine";
    throw new ConfigError([`server.port: ${host}:${port} ${why} (${(err as Error).message})`]);
  }
  const bound = server.addr;
  const shutdown = async (graceMs = live.rt.config.server.shutdown_grace_s * 1000) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
    await Promise.race([server.shutdown(), grace]);
    clearTimeout(timer);
  };
  const shownHost = bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname;
  return {
    live,
    url: `http://${shownHost}:${bound.port}`,
    port: bound.port,
    shutdown,
    [Symbol.asyncDispose]: () => shutdown(),
  };
}

/**
 * A promise nobody awaited that failed, or an error thrown from a callback
 * (a plugin's, a library's): logged, and the proxy keeps serving everyone
 * else rather than exiting.
 */
function survive(rt: Runtime): void {
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    rt.logger.error(`unhandled rejection: ${(e.reason as Error)?.stack ?? e.reason}`);
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    rt.logger.error(`uncaught error: ${(e.error as Error)?.stack ?? e.message}`);
  });
}

/**
 * `server.watch`: the config file and its plugins' files, reloaded when they
 * change — unless the bytes are the ones running (an editor's touch).
 */
function watchConfig(live: Live): Watching | null {
  const { path } = live.source ?? {};
  if (!path || !live.rt.config.server.watch) return null;
  const plugins = live.rt.config.plugins.filter((p) => !/^[a-z]+:/.test(p));
  const file = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return watchFiles([file, ...plugins], async (changed) => {
    if (changed.every((p) => p === file)) {
      if (fileSha256(path) === live.loaded.sha256) {
        return live.rt.logger.info(`${path}: written with the bytes running, not reloaded`);
      }
    }
    await live.reload();
  });
}

/** Serves until SIGTERM or SIGINT, then drains and resolves; reloads on SIGHUP. */
export async function serve(
  rt: Runtime,
  options: { announce: string } & StartOptions,
): Promise<void> {
  survive(rt);
  await rt.state.ready();
  const running = start(rt, options);
  const { live } = running;
  let watching = watchConfig(live);
  const swapped = live.onSwap;
  live.onSwap = (config) => {
    swapped(config);
    watching?.close();
    watching = watchConfig(live);
  };
  // Printed at every log level: scripts and supervisors wait for this line.
  console.log(`switchyard listening on ${running.url} (${options.announce})`);
  onReloadSignal(() => void live.reload());
  const signal = await stopSignal();
  watching?.close();
  live.rt.logger.info(
    `${signal}: draining in-flight requests (up to ${live.rt.config.server.shutdown_grace_s} s)`,
  );
  await running.shutdown();
  // Every log line of the requests that just finished is written before the process exits,
  // and every charge reaches the state store.
  await live.close();
  await live.rt.state.close();
  console.log("stopped");
}
