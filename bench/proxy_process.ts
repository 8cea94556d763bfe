/** Benchmark processes: anything that prints `listening on URL`, the real proxy among them. */

import denoJson from "../deno.json" with { type: "json" };

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** The V8 flags `deno task start` and the compiled binary run switchyard with: measured as users run it. */
const V8_FLAGS = denoJson.tasks.start.match(/--v8-flags=\S+/g) ?? [];

export interface Process {
  url: string;
  pid: number;
  /** Settles when the process exits. */
  status: Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface SpawnOptions {
  /** Pinned to this core (taskset). */
  cpu?: number;
  env?: Record<string, string>;
  /** Run under `ulimit -n` this low (a shell sets it, then becomes the process). */
  fdLimit?: number;
}

/** Runs `deno run -A ARGS` until it prints its URL. */
export async function spawnListening(
  args: string[],
  { cpu, env = {}, fdLimit }: SpawnOptions = {},
): Promise<Process> {
  let cmd = [Deno.execPath(), "run", "-A", ...args];
  if (fdLimit !== undefined) {
    cmd = ["bash", "-c", `ulimit -n ${fdLimit} && exec "$@"`, "bash", ...cmd];
  }
  if (cpu !== undefined) cmd = ["taskset", "-c", String(cpu), ...cmd];
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "inherit",
    env,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening on (\S+)/.test(seen)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${args.join(" ")} exited before listening:\n${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })();
  return {
    url: /listening on (\S+)/.exec(seen)![1],
    pid: child.pid,
    status: child.status,
    [Symbol.asyncDispose]: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* it already exited */ }
      await child.status;
    },
  };
}

/** The real proxy (`main.ts`) with `configYaml`, on `port` (default: a free one). */
export async function spawnProxy(
  configYaml: string,
  options: SpawnOptions & { port?: number } = {},
): Promise<Process> {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, configYaml);
  const port = String(options.port ?? 0);
  const proc = await spawnListening([...V8_FLAGS, MAIN, "--config", file, "--port", port], options);
  return {
    ...proc,
    [Symbol.asyncDispose]: async () => {
      await proc[Symbol.asyncDispose]();
      await Deno.remove(file);
    },
  };
}
