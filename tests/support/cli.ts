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
 * Starts the proxy as a process and waits for its listening line; `said(re, n)` waits until
 * it has said `re` `n` times (stdout or stderr); `output()` has both once it exits.
 */
export async function serve(args: string[], options: RunOptions = {}) {
  const child = cli(["--port", "0", ...args], options).spawn();
  let seen = "";
  let open = 2;
  const heard: (() => void)[] = [];
  const wake = () => heard.splice(0).forEach((w) => w());
  // Both pipes drained as they come, so the child never blocks on a full one.
  const drain = async (pipe: ReadableStream<Uint8Array>) => {
    for await (const text of pipe.pipeThrough(new TextDecoderStream())) {
      seen += text;
      wake();
    }
    open--;
    wake();
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const said = async (pattern: RegExp, times = 1) => {
    const global = new RegExp(pattern.source, "g");
    while ((seen.match(global)?.length ?? 0) < times) {
      if (open === 0) {
        throw new Error(`the proxy exited before saying ${pattern} ${times}×: ${seen}`);
      }
      await new Promise<void>((w) => heard.push(w));
    }
    return seen;
  };
  await said(/listening on (\S+)/);
  const url = /listening on (\S+)/.exec(seen)![1];
  return { child, url, said, output: async () => (await done, seen) };
}

export async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}
