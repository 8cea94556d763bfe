import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { ConfigError, expandString, loadConfig, parseConfigText } from "../../lib/config/load.ts";
import { createRuntime } from "../../lib/runtime.ts";

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, "bad.yaml", env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const MINIMAL = "providers: { e: { type: echo } }\nmodels: { echo: [e/echo] }\n";

Deno.test("${VAR} and ${VAR:-default} expand in every string, numbers from strings too", () => {
  const env = { HOST: "0.0.0.0", KEY: "sk-abc", PORT: "9001", EMPTY: "" };
  assertEquals(
    expandString("${KEY}-${MISSING}-${MISSING:-dflt}-${EMPTY:-e}", env),
    "sk-abc--dflt-e",
  );
  const c = parseConfigText(
    `server: { host: "\${HOST}", port: "\${PORT}", api_keys: ["\${KEY}", "x-\${NOPE:-y}"] }\n` +
      `providers: { e: { type: echo, api_key: "\${KEY}", headers: { add: { X-A: "\${KEY}" } } } }\n` +
      `models: { echo: [e/echo] }\n`,
    "c.yaml",
    env,
  );
  assertEquals(c.server.host, "0.0.0.0");
  assertEquals(c.server.port, 9001);
  assertEquals(c.server.api_keys, ["sk-abc", "x-y"]);
  assertEquals(c.providers.e.headers.add["X-A"], "sk-abc");
});

Deno.test("defaults fill what the file leaves out", () => {
  const c = parseConfigText(MINIMAL, "c.yaml", {});
  assertEquals(c.server, {
    host: "127.0.0.1",
    port: 8000,
    api_keys: [],
    max_body_mb: 20,
    read_timeout_s: 30,
    shutdown_grace_s: 30,
    metrics_public: false,
    raw_text_fallback: false,
    allow_unauthenticated: false,
    max_response_mb: 64,
    header_timeout_s: 10,
    keepalive_s: 75,
    max_connections: 10000,
    workers: 1,
    watch: false,
    ui: true,
    ui_public: false,
  });
  assertEquals(c.state, {
    url: "memory:",
    prefix: "switchyard:",
    timeout_ms: 100,
    on_error: "open",
  });
  assertEquals(c.providers.e.retry, {
    attempts: 2,
    backoff_ms: 250,
    max_backoff_ms: 8000,
    on_status: [408, 429, 500, 502, 503, 504],
  });
  assertEquals(c.routing.cooldown, { failures: 3, seconds: 30 });
  assertEquals(c.log.dir, "logs");
});

Deno.test("every problem at once, each as path.to.key: message (file:line)", () => {
  const found = problems([
    "server:",
    "  port: eighty",
    "  colour: blue",
    "providers:",
    "  a: { type: openai, base_url: not-a-url }",
    "  b: { type: echo, fail_rate: 0.5 }",
    "models:",
    "  m: [a/x, nowhere/y]",
    "  n: nope",
  ].join("\n"));
  const expect = [
    /^server\.port: .+ \(bad\.yaml:2\)$/,
    /^server\.colour: unknown key \(bad\.yaml:3\)$/,
    /^providers\.a\.base_url: .+ \(bad\.yaml:5\)$/,
    /^providers\.b\.fail_rate: only providers of type 'mock' take 'fail_rate' \(bad\.yaml:6\)$/,
    /^models\.n: .+ \(bad\.yaml:9\)$/,
  ];
  for (const re of expect) {
    assert(found.some((p) => re.test(p)), `${re} not in:\n${found.join("\n")}`);
  }
});

Deno.test("a deployment naming an unknown provider is reported with its line", () => {
  const found = problems(
    "providers: { e: { type: echo } }\nmodels:\n  m:\n    - e/x\n    - ghost/y\n",
  );
  assertEquals(found, ["models.m.1: unknown provider 'ghost' (bad.yaml:5)"]);
});

Deno.test("an unknown provider type is a config error naming the known ones", () => {
  const c = parseConfigText(
    "providers: { e: { type: telepathy } }\nmodels: { m: e/x }\n",
    "c.yaml",
    {},
  );
  try {
    createRuntime(c);
    throw new Error("expected a ConfigError");
  } catch (err) {
    assert(err instanceof ConfigError);
    assertMatch(
      err.problems[0],
      /^providers\.e\.type: unknown provider type 'telepathy' \(known: openai, anthropic, ollama, azure, gemini, vertex, bedrock, echo/,
    );
  }
});

Deno.test("YAML syntax errors carry the line", () => {
  const found = problems("server:\n  port: [1, 2\nmodels: {}\n");
  assertMatch(found[0], /^bad\.yaml:\d+: /);
});

Deno.test("JSON config files are accepted", () => {
  const c = parseConfigText(
    JSON.stringify({ providers: { e: { type: "echo" } }, models: { echo: "e/echo" } }),
    "c.json",
    {},
  );
  assertEquals(Object.keys(c.models), ["echo"]);
});

Deno.test("seed-style JSON maps onto the same model: every mapped model on every provider by priority", () => {
  const c = parseConfigText(
    JSON.stringify({
      model_mapping: { "gpt-4": "gpt-4o", cheap: "gpt-4o-mini" },
      providers: [
        {
          name: "backup",
          type: "openai",
          api_key: "k2",
          base_url: "https://b.example/v1",
          priority: 2,
        },
        {
          name: "main",
          type: "openai",
          api_key: "k1",
          base_url: "https://a.example/v1",
          priority: 1,
        },
      ],
    }),
    "seed.json",
    {},
  );
  assertEquals(c.models["gpt-4"], [
    { provider: "main", model: "gpt-4o", priority: 1, weight: 1 },
    { provider: "backup", model: "gpt-4o", priority: 2, weight: 1 },
  ]);
  assertEquals(Object.keys(c.models), ["gpt-4", "cheap", "*"]);
  assertEquals(c.providers.main.base_url, "https://a.example/v1");
});

Deno.test("embedded default: echo always; env adds openai, anthropic, ollama, upstream, port, level, splitter", () => {
  const bare = loadConfig(null, {}).config;
  assertEquals(Object.keys(bare.providers), ["echo"]);
  assertEquals(bare.server.port, 8000);
  const full = loadConfig(null, {
    OPENAI_API_KEY: "sk-o",
    OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
    ANTHROPIC_API_KEY: "sk-a",
    OLLAMA_HOST: "127.0.0.1:11434",
    API_KEY: "sk-u",
    API_BASE: "https://openrouter.ai/api/v1",
    PROXY_PORT: "9100",
    LOG_LEVEL: "DEBUG",
    GRAMMAR_MODEL: "gpt-4o-mini",
  }).config;
  assertEquals(Object.keys(full.providers), ["echo", "openai", "anthropic", "ollama", "upstream"]);
  assertEquals(full.providers.openai.base_url, "http://127.0.0.1:1/v1");
  assertEquals(full.providers.ollama.base_url, "http://127.0.0.1:11434");
  assertEquals(full.server.port, 9100);
  assertEquals(full.log.level, "debug");
  assertEquals(full.splitter?.model, "gpt-4o-mini");
  assertEquals(full.splitter?.temperature, 0.1);
  const rt = createRuntime(full);
  const route = (m: string) => rt.models.resolve(m)?.[0]?.provider.name;
  assertEquals([
    route("gpt-4o"),
    route("o3-mini"),
    route("claude-sonnet-4-5"),
    route("ollama/llama3"),
    route("mistral-large"),
    route("echo"),
  ], [
    "openai",
    "openai",
    "anthropic",
    "ollama",
    "upstream",
    "echo",
  ]);
  assertEquals(loadConfig(null, { OPENAI_API_KEY: "k", PORT: "7000" }).config.models["*"], [
    "openai/*",
  ]);
  assertEquals(loadConfig(null, { PORT: "7000" }).config.server.port, 7000);
});

Deno.test("model table: exact beats glob, the most specific glob wins, * keeps the client's name", () => {
  const c = parseConfigText(
    "providers: { a: { type: echo }, b: { type: echo }, c: { type: echo } }\n" +
      'models: { "*": [a/*], "gpt-4o*": [c/fixed], "gpt-*": [b/*], gpt-4o: [a/exact] }\n',
    "c.yaml",
    {},
  );
  const table = createRuntime(c).models;
  const at = (m: string) => table.resolve(m)?.map((d) => d.id);
  assertEquals(at("gpt-4o"), ["a/exact"]);
  assertEquals(at("gpt-4o-mini"), ["c/fixed"]);
  assertEquals(at("gpt-3.5"), ["b/*"]);
  assertEquals(at("llama"), ["a/*"]);
});

Deno.test("paths in a config file are relative to the file", () => {
  const c = parseConfigText(
    "providers: { o: { type: openai, tls: { ca_file: ca.pem } } }\nmodels: { m: o/x }\nplugins: [./p.ts, npm:some-plugin]\n",
    "/etc/switchyard/config.yaml",
    {},
  );
  assertEquals(c.providers.o.tls?.ca_file, "/etc/switchyard/ca.pem");
  assertEquals(c.plugins, ["/etc/switchyard/./p.ts", "npm:some-plugin"]);
});

Deno.test("a listener others can reach needs a proxy key, unless the config says it means it", () => {
  const open = problems("server: { host: 0.0.0.0 }\n" + MINIMAL);
  assertEquals(open.length, 1);
  assertMatch(
    open[0],
    /^server\.host: listening on 0\.0\.0\.0 without a proxy key .+allow_unauthenticated/,
  );
  parseConfigText("server: { host: 0.0.0.0, api_keys: [k] }\n" + MINIMAL, "c.yaml", {});
  parseConfigText(
    "server: { host: 0.0.0.0, allow_unauthenticated: true }\n" + MINIMAL,
    "c.yaml",
    {},
  );
  for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.2"]) {
    parseConfigText(`server: { host: "${host}" }\n` + MINIMAL, "c.yaml", {});
  }
  // --host counts as the config's host.
  const flagged = problems2(() => parseConfigText(MINIMAL, "c.yaml", {}, { host: "0.0.0.0" }));
  assertMatch(flagged[0], /^server\.host: listening on 0\.0\.0\.0/);
});

Deno.test("an unset ${VAR} in a key list is a problem naming the path and the variable", () => {
  const found = problems(
    'server: { api_keys: ["${SWITCHYARD_KEY}", "${OTHER:-}"] }\n' + MINIMAL,
    { OTHER: "" },
  );
  assertEquals(found.length, 1);
  assertMatch(found[0], /^server\.api_keys\.0: \$\{SWITCHYARD_KEY\} is not set/);
  // An explicit default of nothing means no key, on purpose.
  assertEquals(
    parseConfigText('server: { api_keys: ["${OTHER:-}"] }\n' + MINIMAL, "c.yaml", {}).server
      .api_keys,
    [],
  );
});

Deno.test("the embedded default takes its proxy key from SWITCHYARD_API_KEY and its host from HOST", () => {
  const { config } = loadConfig(null, { SWITCHYARD_API_KEY: "sy-key", HOST: "0.0.0.0" });
  assertEquals(config.server.api_keys, ["sy-key"]);
  assertEquals(config.server.host, "0.0.0.0");
  const refused = problems2(() => loadConfig(null, { HOST: "0.0.0.0" }));
  assertMatch(
    refused[0],
    /server\.host: listening on 0\.0\.0\.0 without a proxy key .+SWITCHYARD_API_KEY/,
  );
});

function problems2(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}
