/** The CLI as a process: run to completion, or serve until told to stop. */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run under `ulimit -n` this low (a shell sets it, then becomes the proxy). */
  fdLimit?: number;
}

/** `deno run main.ts ARGS` with only the given variables (and PATH, HOME) set, both pipes captured. */
function cli(args: string[], options: RunOptions): Deno.Command {
  const deno = [Deno.execPath(), "run", "-A", MAIN, ...args];
  const [command, ...rest] = options.fdLimit === undefined
    ? deno
    : ["bash", "-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, ...deno];
  return new Deno.Command(command, {
    args: rest,
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      NO_COLOR: "1",
      ...options.env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the CLI to completion. */
export async function run(args: string[], options: RunOptions = {}) {
  const out = await cli(args, options).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Starts the proxy as a process and waits for its listening line; `lines(re, n)` waits until
 * stdout has said `re` `n` times; `output()` has stdout and stderr once it exits.
 */
export async function serve(args: string[], options: RunOptions = {}) {
  const child = cli(["--port", "0", ...args], options).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let ended = false;
  const heard: (() => void)[] = [];
  // Keep draining both pipes so the child never blocks on a full one.
  const stdout = (async () => {
    for (let r = await lines.read(); !r.done; r = await lines.read()) {
      seen += r.value;
      heard.splice(0).forEach((wake) => wake());
    }
    ended = true;
    heard.splice(0).forEach((wake) => wake());
    return seen;
  })();
  const said = async (pattern: RegExp, times = 1) => {
    const global = new RegExp(pattern.source, "g");
    while ((seen.match(global)?.length ?? 0) < times) {
      if (ended) throw new Error(`the proxy exited before saying ${pattern} ${times}×: ${seen}`);
      await new Promise<void>((wake) => heard.push(wake));
    }
    return seen;
  };
  await said(/listening on (\S+)/).catch(async (err) => {
    throw new Error(`${err.message}${await new Response(child.stderr).text()}`);
  });
  const url = /listening on (\S+)/.exec(seen)![1];
  const stderr = new Response(child.stderr).text();
  return { child, url, said, output: async () => `${await stdout}${await stderr}` };
}

export async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}
