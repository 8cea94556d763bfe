/**
 * Real coding agents, run headless as their users run them: Claude Code
 * (`-p`), Codex (`exec`) and Gemini CLI (`-p`), each from its npm package, in
 * a sandbox of its own (a temporary HOME and working directory, no
 * environment but what it needs), pointed at the proxy.
 */

/** The agents' packages, pinned: `.ci/run` fetches them before the tests. */
export const CLAUDE_CODE = "npm:@anthropic-ai/claude-code@2.1.112/cli.js";
export const CODEX = "npm:@openai/codex@0.171.0";
export const GEMINI_CLI = "npm:@google/gemini-cli@0.61.0/bundle/gemini.js";

/** A file for the agent to read, in a working directory of its own. */
export interface Sandbox {
  dir: string;
  home: string;
  work: string;
  file: string;
  content: string;
}

export async function sandbox(): Promise<Sandbox & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "switchyard-agent-" });
  const home = `${dir}/home`;
  const work = `${dir}/work`;
  await Deno.mkdir(`${home}/.codex`, { recursive: true });
  await Deno.mkdir(`${home}/.gemini`, { recursive: true });
  await Deno.mkdir(work);
  const content = `switchyard agent test ${crypto.randomUUID()}`;
  const file = `${work}/hello.txt`;
  await Deno.writeTextFile(file, `${content}\n`);
  return {
    dir,
    home,
    work,
    file,
    content,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** What a run printed, and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const decoder = new TextDecoder();

/** The environment an agent inherits: how to reach the registry (proxy, CAs), nothing else. */
const PASSED =
  /^(PATH|DENO_TLS_CA_STORE|DENO_CERT|SSL_CERT_(FILE|DIR)|NODE_EXTRA_CA_CERTS|(HTTPS?|NO)_PROXY|NPM_CONFIG_REGISTRY)$/i;

/** This Deno's cache, shared with the agents (their HOME is a fresh one): packages are fetched once. */
const denoDir = Deno.env.get("DENO_DIR") ??
  JSON.parse(
    decoder.decode(
      (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output()).stdout,
    ),
  ).denoDir;

/** Runs `deno run -A <module> ...args` in the sandbox, killed if it takes longer than a minute. */
async function run(
  box: Sandbox,
  module: string,
  args: string[],
  env: Record<string, string>,
): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", "--no-lock", module, ...args],
    cwd: box.work,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: {
      ...Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => PASSED.test(k))),
      DENO_DIR: denoDir,
      DENO_NO_UPDATE_CHECK: "1",
      HOME: box.home,
      TERM: "dumb",
      ...env,
    },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const out = await child.output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Claude Code in print mode, asked `prompt`, talking to `baseUrl`: its JSON result. */
export async function claudeCode(
  box: Sandbox,
  baseUrl: string,
  prompt: string,
  flags: string[] = [],
) {
  const r = await run(box, CLAUDE_CODE, [...flags, "-p", prompt, "--output-format", "json"], {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-agent-test",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
  });
  try {
    return {
      ...r,
      result: JSON.parse(r.stdout) as { is_error: boolean; result: string; num_turns: number },
    };
  } catch {
    throw new Error(`Claude Code printed no result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Codex `exec`, asked `prompt`, on a Responses provider at `baseUrl`: its last message. */
export async function codex(box: Sandbox, baseUrl: string, prompt: string) {
  await Deno.writeTextFile(
    `${box.home}/.codex/config.toml`,
    [
      'model = "gpt-5.5"',
      'model_provider = "switchyard"',
      "check_for_update_on_startup = false",
      "[analytics]",
      "enabled = false",
      "[features]",
      "plugins = false",
      "[model_providers.switchyard]",
      'name = "switchyard"',
      `base_url = "${baseUrl}"`,
      'wire_api = "responses"',
      'env_key = "SWITCHYARD_KEY"',
    ].join("\n"),
  );
  const r = await run(
    box,
    CODEX,
    ["exec", "--skip-git-repo-check", "--ephemeral", "-s", "workspace-write", "--json", prompt],
    { SWITCHYARD_KEY: "sk-agent-test" },
  );
  const events = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  );
  const said = events.filter((e) =>
    e.type === "item.completed" && e.item?.type === "agent_message"
  );
  return { ...r, events, answer: String(said.at(-1)?.item.text ?? "") };
}

/**
 * Gemini CLI in headless mode (`-p`), asked `prompt` with its API-key auth
 * (`GEMINI_API_KEY`, here the proxy key) at `baseUrl`: its JSON result.
 */
export async function geminiCli(box: Sandbox, baseUrl: string, key: string, prompt: string) {
  await Deno.writeTextFile(
    `${box.home}/.gemini/settings.json`,
    JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
    }),
  );
  const r = await run(box, GEMINI_CLI, ["-p", prompt, "-o", "json"], {
    GOOGLE_GEMINI_BASE_URL: baseUrl,
    GEMINI_API_KEY: key,
    GEMINI_CLI_TRUST_WORKSPACE: "true",
  });
  try {
    return { ...r, result: JSON.parse(r.stdout) as { response?: string; error?: unknown } };
  } catch {
    throw new Error(`Gemini CLI printed no result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

// `deno run -A tests/support/agents.ts`: fetch the agents into the cache (CI does, before the tests).
if (import.meta.main) {
  const cached = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "--no-config", "--no-lock", CLAUDE_CODE, CODEX, GEMINI_CLI],
    env: { DENO_DIR: denoDir },
  }).spawn().status;
  Deno.exit(cached.code);
}
