/** The real proxy, in-process on port 0, from a config written as in a file. */
import { stringify } from "yaml";
import { loadConfig, parseConfigText } from "../../lib/config/load.ts";
import type { Config } from "../../lib/config/schema.ts";
import { loadPlugins } from "../../lib/plugins/load.ts";
import type { CallRecord } from "../../lib/observe/record.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../lib/runtime.ts";
import { type Running, start, type StartOptions } from "../../lib/server/serve.ts";

export interface TestProxy extends Running {
  rt: Runtime;
  /** OpenAI SDK base URL. */
  v1: string;
  /** Every request's log record, as the log line is written. */
  records: CallRecord[];
  /** Resolves with the record of the next request to finish. */
  nextRecord(): Promise<CallRecord>;
  /** Every console line said at info or above, as the logger was told it (at any log level). */
  said: string[];
}

function testConfig(config: Record<string, unknown>, env: Record<string, string>): Config {
  const server = { ...(config.server as object ?? {}), port: 0 };
  const log = { level: "error", dir: "", ...(config.log as object ?? {}) };
  return parseConfigText(stringify({ ...config, log, server }), `${Deno.cwd()}/test.yaml`, env);
}

/** Starts the proxy with `config` (an object as the YAML file would hold, port forced to 0). */
export function startProxy(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  options: RuntimeOptions = {},
): TestProxy {
  return serveRuntime(createRuntime(testConfig(config, env), [], options));
}

/** A clock a test moves by hand: limits' windows slide without waiting for them. */
export function manualClock(start = Date.UTC(2026, 11, 3, 12, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => void (now += ms),
    set: (ms: number) => void (now = ms),
  };
}

/** Like startProxy, loading the config's `plugins` first (paths relative to the working directory). */
export async function startProxyWithPlugins(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<TestProxy> {
  const parsed = testConfig(config, env);
  return serveRuntime(createRuntime(parsed, await loadPlugins(parsed.plugins)));
}

/** Starts the proxy from a config file on disk (port 0), reloadable as the CLI's is. */
export async function startProxyFromFile(
  path: string,
  env: Record<string, string> = Deno.env.toObject(),
): Promise<TestProxy> {
  const overrides = { port: 0 };
  const { config, sha256 } = loadConfig(path, env, overrides);
  const rt = createRuntime(config, await loadPlugins(config.plugins));
  return serveRuntime(rt, {
    source: { path, overrides },
    sha256,
  });
}

/** Serves `rt` on port 0, keeping every request's record for the test to look at. */
function serveRuntime(rt: Runtime, options: StartOptions = {}): TestProxy {
  const records: CallRecord[] = [];
  const waiting: ((r: CallRecord) => void)[] = [];
  const finish = rt.recorder.finish.bind(rt.recorder);
  rt.recorder.finish = (r) => {
    const { response_body: _, ...plain } = r;
    records.push(structuredClone(plain));
    waiting.shift()?.(r);
    finish(r);
  };
  const said: string[] = [];
  for (const level of ["info", "warn", "error"] as const) {
    const log = rt.logger[level].bind(rt.logger);
    rt.logger[level] = (message: string) => {
      said.push(message);
      log(message);
    };
  }
  const running = start(rt, options);
  return {
    ...running,
    // Like the real shutdown: stop serving, then write out every log line.
    [Symbol.asyncDispose]: async () => {
      await running[Symbol.asyncDispose]();
      await running.live.close();
      await running.live.rt.state.close();
    },
    rt,
    v1: `${running.url}/v1`,
    records,
    said,
    nextRecord: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** A config with one provider and models mapped onto it. */
export function oneProvider(
  type: string,
  baseUrl: string,
  models: Record<string, unknown> = { "*": ["up/*"] },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    providers: {
      up: { type, base_url: baseUrl, api_key: "sk-upstream-secret-0123456789", ...extra },
    },
    models,
  };
}
