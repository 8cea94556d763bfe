/**
 * Listening: Deno.serve around the app, and the SIGTERM/SIGINT drain (stop
 * accepting, let in-flight requests and streams finish within
 * `shutdown_grace_s`, then return so the process exits 0).
 */
import { ConfigError } from "../config/load.ts";
import { errorResponse } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { createApp } from "./app.ts";
import { listen, type Listening } from "./listener.ts";

export interface Running {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  /** Stops accepting and waits for in-flight requests, at most `graceMs`. */
  shutdown(graceMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts serving `rt` on its configured host and port (0 picks a free port); `reusePort` for a worker. */
export function start(rt: Runtime, reusePort = false): Running {
  const { host, port, max_connections, header_timeout_s, keepalive_s } = rt.config.server;
  let server: Listening;
  try {
    server = listen({
      hostname: host,
      port,
      maxConnections: max_connections,
      headerTimeoutMs: header_timeout_s * 1000,
      keepAliveMs: keepalive_s * 1000,
      handler: createApp(rt),
      onError: (err) => {
        rt.logger.error(`unhandled: ${(err as Error)?.stack ?? err}`);
        return errorResponse("openai", err, rt.redactor.text);
      },
      warn: (message) => rt.logger.warn(message),
      reusePort,
    });
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
  const shutdown = async (graceMs = rt.config.server.shutdown_grace_s * 1000) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
    await Promise.race([server.shutdown(), grace]);
    clearTimeout(timer);
  };
  const shownHost = bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname;
  return {
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

/** Serves until SIGTERM or SIGINT, then drains and resolves. */
export async function serve(
  rt: Runtime,
  options: { announce: string; reusePort?: boolean },
): Promise<void> {
  survive(rt);
  await rt.state.ready();
  const running = start(rt, options.reusePort);
  // Printed at every log level: scripts and supervisors wait for this line.
  console.log(`switchyard listening on ${running.url} (${options.announce})`);
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGTERM", "SIGINT"];
  const signal = await new Promise<Deno.Signal>((resolve) => {
    for (const s of signals) Deno.addSignalListener(s, () => resolve(s));
  });
  rt.logger.info(
    `${signal}: draining in-flight requests (up to ${rt.config.server.shutdown_grace_s} s)`,
  );
  await running.shutdown();
  // Every log line of the requests that just finished is written before the process exits,
  // and every charge reaches the state store.
  await rt.recorder.close();
  await rt.state.close();
  console.log("stopped");
}
