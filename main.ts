/**
 * switchyard's command line (SPEC §2): serve, `check` the config, or
 * `convert` a LiteLLM one.
 *
 *   switchyard [--config PATH] [--host HOST] [--port N] [--env-file PATH]
 *   switchyard check [PATH | --config PATH] [--env-file PATH]
 *   switchyard convert LITELLM_CONFIG
 *   switchyard keys new [--name NAME]
 */
import { parseArgs } from "node:util";
import denoJson from "./deno.json" with { type: "json" };
import { ConfigError, findConfigPath, loadConfig, loadDotenv } from "./lib/config/load.ts";
import { loadPlugins } from "./lib/plugins/load.ts";
import { newKey } from "./lib/keys/new_key.ts";
import { createRuntime } from "./lib/runtime.ts";
import { serve } from "./lib/server/serve.ts";
import { supervise, WORKER_ENV } from "./lib/server/workers.ts";
import { workerCount } from "./lib/config/key_checks.ts";
import { convertLiteLLM } from "./lib/config/convert.ts";

const HELP = `switchyard ${denoJson.version} — an LLM API proxy for OpenAI and Anthropic clients

Usage:
  switchyard [options]          run the proxy
  switchyard check [PATH]       validate the config: exit 0 (warnings on stderr), or exit 2
                                listing every problem (a LiteLLM config.yaml is read as it is)
  switchyard convert PATH       print a LiteLLM config.yaml as switchyard's own YAML
  switchyard keys new [--name NAME]
                                print a new virtual key, then its config lines (name, key_sha256)

Options:
  --config PATH     config file (YAML or JSON); else $SWITCHYARD_CONFIG, ./switchyard.yaml,
                    else the embedded default (the built-in echo model, plus providers
                    from OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST, API_KEY+API_BASE)
  --host HOST       listen address (overrides server.host)
  --port N          listen port (overrides server.port)
  --env-file PATH   load variables from PATH instead of ./.env (real variables win)
  --help            show this help
  --version         show the version
`;

/** Exit codes: 0 ok, 2 bad config or usage. */
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "env-file": { type: "string" },
        name: { type: "string" },
        help: { type: "boolean" },
        version: { type: "boolean" },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(`switchyard ${denoJson.version}`);
    return 0;
  }
  const command = positionals[0] ?? "serve";
  if (command === "keys") {
    if (positionals[1] !== "new" || positionals.length > 2) {
      console.error(`unknown command '${positionals.join(" ")}'\n\n${HELP}`);
      return 2;
    }
    const name = values.name ?? "new-key";
    if (!/^[a-z0-9_-]+$/.test(name)) {
      console.error(`--name: names are [a-z0-9_-]+, got '${name}'`);
      return 2;
    }
    const key = newKey();
    console.log(`${key.secret}\n- name: ${name}\n  key_sha256: ${key.sha256}`);
    return 0;
  }
  if (command === "convert") {
    if (positionals.length !== 2) {
      console.error(`usage: switchyard convert LITELLM_CONFIG\n\n${HELP}`);
      return 2;
    }
    try {
      const { yaml, warnings } = convertLiteLLM(
        Deno.readTextFileSync(positionals[1]),
        positionals[1],
      );
      for (const line of warnings) console.error(`warning: ${line}`);
      console.log(yaml.trimEnd());
      return 0;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        console.error(`${positionals[1]}: no such file`);
        return 2;
      }
      if (!(err instanceof ConfigError)) throw err;
      console.error("cannot convert:");
      for (const line of err.problems) console.error(`  ${line}`);
      return 2;
    }
  }
  // `check` also takes the file as its argument: `switchyard check config.example.yaml`.
  const checkPath = command === "check" ? positionals[1] : undefined;
  if (!["serve", "check"].includes(command) || positionals.length > (command === "check" ? 2 : 1)) {
    console.error(`unknown command '${positionals.join(" ")}'\n\n${HELP}`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    console.error(`--port: expected a port number, got '${values.port}'`);
    return 2;
  }

  try {
    loadDotenv(values["env-file"]);
    const env = Deno.env.toObject();
    const { config, path, warnings, sha256 } = loadConfig(
      findConfigPath(values.config ?? checkPath, env),
      env,
      { host: values.host, port },
    );
    for (const line of warnings) console.error(`warning: ${line}`);
    const workers = workerCount(config.server.workers);
    const worker = Deno.env.get(WORKER_ENV) !== undefined;
    if (command === "serve" && workers > 1 && !worker) {
      await supervise(workers, (line) => console.log(line));
      return 0;
    }
    const plugins = await loadPlugins(config.plugins);
    if (command === "check") {
      // Everything built and checked but the state store: a check creates no file, connects nowhere.
      createRuntime({ ...config, state: { ...config.state, url: "memory:" } }, plugins);
      console.log(`${path ?? "embedded default"}: ok`);
      return 0;
    }
    const runtime = createRuntime(config, plugins);
    await serve(runtime, {
      announce: `config: ${path ?? "embedded default"}${
        worker ? `, worker ${Deno.env.get(WORKER_ENV)}` : ""
      }`,
      reusePort: worker,
      source: { path, overrides: { host: values.host, port } },
      sha256,
    });
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${command === "check" ? "config has problems" : "cannot start"}:`);
    for (const line of err.problems) console.error(`  ${line}`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
