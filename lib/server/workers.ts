/**
 * `server.workers` (SPEC §12): one process per worker, all listening on the
 * same port (SO_REUSEPORT: the kernel spreads the connections), each a whole
 * switchyard sharing the state store. This process only supervises: it
 * starts them with its own arguments and permissions, restarts one that
 * dies (and says so), and on SIGTERM passes the signal on and waits until
 * every worker has drained.
 */

import { sleep } from "../sleep.ts";
import { onReloadSignal, stopSignal } from "./signals.ts";

/** The environment variable that makes a process a worker (its number), not a supervisor. */
export const WORKER_ENV = "SWITCHYARD_WORKER";

/** Permission flags for a worker: what this process was granted. */
function grantedFlags(): string[] {
  const names = ["net", "env", "read", "write", "sys", "run", "ffi"] as const;
  return names.filter((name) => Deno.permissions.querySync({ name }).state === "granted")
    .map((name) => `--allow-${name}`);
}

/** The command that starts this program again: the compiled binary, or `deno run` of the script. */
function selfCommand(): { command: string; args: string[] } {
  const exe = Deno.execPath();
  const compiled = !/(^|\/)deno(\.exe)?$/.test(exe);
  if (compiled) return { command: exe, args: Deno.args };
  return {
    command: exe,
    args: [
      "run",
      ...grantedFlags(),
      // SO_REUSEPORT is behind this flag in Deno 2.9.
      "--unstable-net",
      "--v8-flags=--heap-growing-percent=50",
      new URL(Deno.mainModule).pathname,
      ...Deno.args,
    ],
  };
}

/** Runs `count` workers until SIGTERM/SIGINT, then waits for them all to drain. */
export async function supervise(count: number, log: (line: string) => void): Promise<void> {
  const { command, args } = selfCommand();
  let stopping = false;
  const running = new Map<number, Deno.ChildProcess>();
  const spawn = (n: number) => {
    const child = new Deno.Command(command, {
      args,
      env: { [WORKER_ENV]: String(n) },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    running.set(n, child);
    child.status.then(async (status) => {
      running.delete(n);
      if (stopping) return;
      log(`worker ${n} exited (${status.signal ?? `code ${status.code}`}); starting it again`);
      await sleep(1000);
      if (!stopping) spawn(n);
    });
  };
  for (let n = 1; n <= count; n++) spawn(n);
  log(`switchyard: ${count} workers on one port`);
  // A reload is each worker's own: the signal is passed on.
  onReloadSignal(() => {
    for (const child of running.values()) {
      try {
        child.kill("SIGHUP");
      } catch { /* gone: it is being started again */ }
    }
  });
  const signal = await stopSignal();
  stopping = true;
  log(`${signal}: draining ${running.size} workers`);
  const exits = [...running.values()].map((child) => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    return child.status;
  });
  await Promise.all(exits);
  log("stopped");
}
