/**
 * A real `redis-server` for one test: its own free port, no persistence, a
 * fresh prefix per caller; stopped by its PID, and started again on the same
 * port to play an outage.
 */

export interface TestRedis {
  url: string;
  /** A prefix no other test uses. */
  prefix(): string;
  /** One command through redis-cli, its reply as text. */
  cli(...args: string[]): Promise<string>;
  /** Kills the server (SIGKILL: an outage, not a shutdown). */
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connected, answering nothing — a store slower than any timeout. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr;
  l.close();
  return port;
}

async function answers(port: number, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      conn.close();
      if (n && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG")) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

function spawn(port: number, cpu?: number): Deno.ChildProcess {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const [command, ...rest] = cpu === undefined
    ? ["redis-server", ...args]
    : ["taskset", "-c", String(cpu), "redis-server", ...args];
  return new Deno.Command(command, {
    args: rest,
    stdout: "null",
    stderr: "null",
  }).spawn();
}

let prefixes = 0;

/** `cpu`: pinned to that core (the benchmark keeps it off the proxy's). */
export async function startRedis({ cpu }: { cpu?: number } = {}): Promise<TestRedis> {
  let port = freePort();
  let child = spawn(port, cpu);
  while (!await answers(port, 100)) {
    // The port was taken in between: another one.
    child.kill("SIGKILL");
    await child.status;
    port = freePort();
    child = spawn(port, cpu);
  }
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    prefix: () => `t${Date.now().toString(36)}${prefixes++}:`,
    async cli(...args) {
      const out = await new Deno.Command("redis-cli", {
        args: ["-p", String(port), ...args],
        stdout: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout).trim();
    },
    stop,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async restart() {
      child = spawn(port, cpu);
      if (!await answers(port)) throw new Error(`redis-server did not start again on ${port}`);
    },
    [Symbol.asyncDispose]: stop,
  };
}
