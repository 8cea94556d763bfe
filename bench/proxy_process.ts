/** The real proxy as its own process, as users run it, for the benchmarks. */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface ProxyProcess {
  url: string;
  pid: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `deno run main.ts` on a free port with `configYaml`, pinned to `cpu`
 * when given (taskset), and waits for its listening line.
 */
export async function spawnProxy(
  configYaml: string,
  cpu?: number,
  env: Record<string, string> = {},
): Promise<ProxyProcess> {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, configYaml);
  const deno = [Deno.execPath(), "run", "-A", MAIN, "--config", file, "--port", "0"];
  const cmd = cpu === undefined ? deno : ["taskset", "-c", String(cpu), ...deno];
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
    if (done) throw new Error(`proxy exited before listening:\n${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })();
  return {
    url: /listening on (\S+)/.exec(seen)![1],
    pid: child.pid,
    [Symbol.asyncDispose]: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(file);
    },
  };
}
