/** The real proxy, in-process on port 0, from a config written as in a file. */
import { stringify } from "yaml";
import { parseConfigText } from "../../lib/config/load.ts";
import { createRuntime, type Runtime } from "../../lib/runtime.ts";
import { type Running, start } from "../../lib/server/serve.ts";

export interface TestProxy extends Running {
  rt: Runtime;
  /** OpenAI SDK base URL. */
  v1: string;
}

/** Starts the proxy with `config` (an object as the YAML file would hold, port forced to 0). */
export function startProxy(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): TestProxy {
  const server = { ...(config.server as object ?? {}), port: 0 };
  const text = stringify({ log: { level: "error", dir: "" }, ...config, server });
  const rt = createRuntime(parseConfigText(text, "test.yaml", env));
  const running = start(rt);
  return { ...running, rt, v1: `${running.url}/v1` };
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
