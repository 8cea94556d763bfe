import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { configSchema } from "../lib/config/schema.ts";
import { chunkedBody, fakeUpstream, gate } from "./support/upstream.ts";
import { openAIChatEvents, sseResponse } from "./support/wire.ts";

import { run, serve, tempDir } from "./support/cli.ts";

const echoYaml = (extra: Record<string, unknown> = {}) =>
  stringify({
    log: { dir: "" },
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"] },
    ...extra,
  });

Deno.test("check config.example.yaml exits 0, as it is and with every left-out setting put back", async () => {
  const env = {
    SWITCHYARD_KEY: "sy-example",
    CI_KEY: "sy-ci-example",
    AZURE_OPENAI_API_KEY: "azure-example",
    GEMINI_API_KEY: "gemini-example",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "aws-secret-example",
  };
  const r = await run(["check", "config.example.yaml"], { env });
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /config\.example\.yaml: ok/);
  const dir = await tempDir({
    "all.yaml": uncommented(await Deno.readTextFile("config.example.yaml")),
    "ca.pem": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "vertex-sa.json": JSON.stringify({
      client_email: "x@p.iam.gserviceaccount.com",
      private_key: "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
      token_uri: "https://oauth2.googleapis.com/token",
    }),
  });
  const all = await run(["check", `${dir}/all.yaml`], { env });
  assertEquals(all.code, 0, all.stderr);
});

/** The example with every "# " setting put back (notes are "##"). */
function uncommented(text: string): string {
  return text.replace(/^(\s*)# (?=\S)/gm, "$1");
}

Deno.test("config.example.yaml shows every key the schema has", async () => {
  const example = parse(uncommented(await Deno.readTextFile("config.example.yaml")));
  const schema = z.toJSONSchema(configSchema, { unrepresentable: "any", io: "input" });
  const missing = schemaPaths(schema as Json).filter((path) => !present(example, path));
  assertEquals(missing.map((p) => p.join(".")), []);
});

type Json = Record<string, unknown>;

/** Every key path of a JSON schema: `*` for a record's entries; arrays are looked through. */
function schemaPaths(schema: Json, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const branch of [...(schema.anyOf as Json[] ?? []), ...(schema.oneOf as Json[] ?? [])]) {
    out.push(...schemaPaths(branch, prefix));
  }
  for (const [key, sub] of Object.entries(schema.properties as Record<string, Json> ?? {})) {
    out.push([...prefix, key], ...schemaPaths(sub, [...prefix, key]));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    out.push(...schemaPaths(schema.additionalProperties as Json, [...prefix, "*"]));
  }
  if (schema.items && typeof schema.items === "object") {
    out.push(...schemaPaths(schema.items as Json, prefix));
  }
  return out;
}

/** True when some value in `data` sits at `path` (`*` any key; arrays are looked through). */
function present(data: unknown, path: string[]): boolean {
  if (path.length === 0) return true;
  if (Array.isArray(data)) return data.some((item) => present(item, path));
  if (data === null || typeof data !== "object") return false;
  const [head, ...rest] = path;
  const children = head === "*" ? Object.values(data) : head in data ? [(data as Json)[head]] : [];
  return children.some((child) => present(child, rest));
}

Deno.test("check exits 2 listing every problem with file and line", async () => {
  const dir = await tempDir({
    "bad.yaml": "server:\n  port: -1\n  bogus: 1\nproviders: {}\nmodels:\n  m: [ghost/x]\n",
  });
  const r = await run(["check", "--config", `${dir}/bad.yaml`]);
  assertEquals(r.code, 2);
  assertMatch(r.stderr, /server\.port: .+bad\.yaml:2\)/);
  assertMatch(r.stderr, /server\.bogus: unknown key \(.+bad\.yaml:3\)/);
  assertMatch(r.stderr, /models\.m\.0: unknown provider 'ghost' \(.+bad\.yaml:6\)/);
});

Deno.test("--help, --version, and bad usage", async () => {
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /--config PATH/);
  assertMatch(help.stdout, /--env-file PATH/);
  const version = await run(["--version"]);
  assertMatch(version.stdout, /^switchyard \d+\.\d+\.\d+/);
  assertEquals((await run(["--port", "x"])).code, 2);
  assertEquals((await run(["frobnicate"])).code, 2);
});

Deno.test("config discovery: --config, then $SWITCHYARD_CONFIG, then ./switchyard.yaml, else the embedded default", async () => {
  const dir = await tempDir({
    "switchyard.yaml": echoYaml(),
    "other.yaml": echoYaml(),
    "third.yaml": echoYaml(),
  });
  assertMatch((await run(["check"], { cwd: dir })).stdout, /^switchyard\.yaml: ok/);
  assertMatch(
    (await run(["check"], { cwd: dir, env: { SWITCHYARD_CONFIG: "other.yaml" } })).stdout,
    /^other\.yaml: ok/,
  );
  assertMatch(
    (await run(["check", "--config", "third.yaml"], {
      cwd: dir,
      env: { SWITCHYARD_CONFIG: "other.yaml" },
    })).stdout,
    /^third\.yaml: ok/,
  );
  const empty = await Deno.makeTempDir();
  assertMatch((await run(["check"], { cwd: empty })).stdout, /^embedded default: ok/);
});

Deno.test(".env is loaded before config; real environment variables win; --env-file", async () => {
  const dir = await tempDir({
    "switchyard.yaml": echoYaml({ server: { api_keys: ["${PROXY_KEY}"] } }),
    ".env": "PROXY_KEY=from-dotenv\n",
    "alt.env": "PROXY_KEY=from-alt\n",
  });
  const status = async (url: string, key: string) => {
    const r = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await r.body?.cancel();
    return r.status;
  };
  for (
    const [env, args, key, wrong] of [
      [{}, [], "from-dotenv", "from-real"],
      [{ PROXY_KEY: "from-real" }, [], "from-real", "from-dotenv"],
      [{}, ["--env-file", "alt.env"], "from-alt", "from-dotenv"],
    ] as const
  ) {
    const p = await serve([...args], { cwd: dir, env });
    assertEquals(await status(p.url, key), 200);
    assertEquals(await status(p.url, wrong), 401);
    p.child.kill("SIGTERM");
    assertEquals((await p.child.status).code, 0);
  }
  assertEquals((await run(["check", "--env-file", "missing.env"], { cwd: dir })).code, 2);
});

Deno.test("--host and --port override the config; the embedded default serves echo", async () => {
  const empty = await Deno.makeTempDir();
  const p = await serve(["--host", "127.0.0.1"], { cwd: empty });
  const r = await fetch(`${p.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "echo", messages: [{ role: "user", content: "hi there" }] }),
  });
  assertEquals((await r.json()).choices[0].message.content, "hi there");
  p.child.kill("SIGTERM");
  assertEquals((await p.child.status).code, 0);
  assertMatch(await p.output(), /embedded default/);
});

Deno.test("SIGTERM: stop accepting, let an in-flight stream finish, exit 0", async () => {
  const release = gate();
  const events = openAIChatEvents(["one", "two"], null);
  await using up = fakeUpstream(() =>
    sseResponse(chunkedBody([events[0], events[1], { gate: release.promise }, ...events.slice(2)]))
  );
  const dir = await tempDir({
    "switchyard.yaml": stringify({
      log: { dir: "" },
      providers: { up: { type: "openai", base_url: up.url } },
      models: { "*": ["up/*"] },
    }),
  });
  const p = await serve([], { cwd: dir });
  const res = await fetch(`${p.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  p.child.kill("SIGTERM");
  // Wait for the listener to close: from then on no new connection is accepted.
  const port = Number(new URL(p.url).port);
  while (
    await Deno.connect({ hostname: "127.0.0.1", port }).then((c) => (c.close(), true), () => false)
  );
  release.open();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    rest += new TextDecoder().decode(r.value);
  }
  assert(rest.includes("[DONE]"), rest);
  assertEquals((await p.child.status).code, 0);
  assertMatch(await p.output(), /SIGTERM: draining/);
});

Deno.test("check compiles every JSONPath: a filter missing its ')]' is a problem, not a 500 per request", async () => {
  const dir = await tempDir({
    "jp.yaml": [
      "providers: { e: { type: echo } }",
      "models: { echo: [e/echo] }",
      "transforms:",
      `  - jsonpath: { drop: ['$.messages[?(@.role=="x"', "$.messages[(@.length-1)]"] }`,
    ].join("\n"),
  });
  const r = await run(["check", `${dir}/jp.yaml`]);
  assertEquals(r.code, 2, r.stdout);
  assertMatch(
    r.stderr,
    /transforms\.0\.jsonpath\.drop\.0: invalid JSONPath: a filter .+closed by '\)\]'/,
  );
  assert(!r.stderr.includes("drop.1"), r.stderr);
});

Deno.test("a port already in use: one clear line and exit 2, no stack trace", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const r = await run(["--port", String(port)]);
  assertEquals(r.code, 2);
  assertMatch(
    r.stderr,
    new RegExp(`cannot start:\\n  server\\.port: 127\\.0\\.0\\.1:${port} is already in use`),
  );
  assert(!/\bat \S+\.ts:\d+/.test(r.stderr), r.stderr);
});

Deno.test("the container's entrypoint reads a mounted config, listens on 0.0.0.0, and keeps it with --config or check", async () => {
  const entry = new URL("../deploy/docker-entrypoint.sh", import.meta.url).pathname;
  const main = new URL("../main.ts", import.meta.url).pathname;
  const etc = await tempDir({
    "switchyard.yaml": stringify({
      server: { api_keys: ["${SWITCHYARD_KEY}"] },
      providers: { e: { type: "echo" } },
      models: { mounted: ["e/echo"] },
    }),
  });
  const sh = (args: string[], env: Record<string, string> = {}) =>
    new Deno.Command("sh", {
      args: [entry, ...args],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        SWITCHYARD_ETC: etc,
        SWITCHYARD_BIN: `${Deno.execPath()} run -A ${main}`,
        NO_COLOR: "1",
        ...env,
      },
      clearEnv: true,
    }).output().then((o) => ({
      code: o.code,
      out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr),
    }));
  // The mounted file is the config; the key it asks for must be set.
  const unset = await sh(["check"]);
  assertEquals(unset.code, 2, unset.out);
  assertMatch(unset.out, /server\.api_keys\.0: \$\{SWITCHYARD_KEY\} is not set/);
  const mounted = await sh(["check"], { SWITCHYARD_KEY: "sy-test" });
  assertEquals(mounted.code, 0, mounted.out);
  assertMatch(mounted.out, new RegExp(`${etc}/switchyard\\.yaml: ok`));
  // No config and no key on 0.0.0.0: refused, with the way out named.
  const open = await sh(["check"], { SWITCHYARD_ETC: "/nonexistent" });
  assertEquals(open.code, 2, open.out);
  assertMatch(open.out, /listening on 0\.0\.0\.0 without a proxy key .+SWITCHYARD_API_KEY/);
  const keyed = await sh(["check"], { SWITCHYARD_ETC: "/nonexistent", SWITCHYARD_API_KEY: "sy-x" });
  assertEquals(keyed.code, 0, keyed.out);
  // --config replaces nothing the image needs: the host stays 0.0.0.0, so a keyless file is refused.
  await Deno.writeTextFile(
    `${etc}/open.yaml`,
    stringify({ providers: { e: { type: "echo" } }, models: {} }),
  );
  const flagged = await sh(["--config", `${etc}/open.yaml`, "check"]);
  assertEquals(flagged.code, 2, flagged.out);
  assertMatch(flagged.out, /listening on 0\.0\.0\.0 without a proxy key/);
});

Deno.test("a .env that cannot be read is named in the error", async () => {
  const dir = await tempDir({});
  await Deno.mkdir(`${dir}/.env`);
  const r = await run(["check"], { cwd: dir });
  assertEquals(r.code, 2);
  assertMatch(r.stderr, /^\s+\.env: cannot read env file: /m);
});

Deno.test("keys new: a random sy- key, then the config lines that hold only its hash — and the proxy takes it", async () => {
  const r = await run(["keys", "new", "--name", "search-team"]);
  assertEquals(r.code, 0, r.stderr);
  const [secret, name, hash] = r.stdout.trimEnd().split("\n");
  assertMatch(secret, /^sy-[0-9A-Za-z]{40}$/);
  assertEquals(name, "- name: search-team");
  const digest = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  assertEquals(hash, `  key_sha256: ${digest}`);
  const again = await run(["keys", "new"]);
  assert(again.stdout.split("\n")[0] !== secret, "each key is new");
  assertEquals((await run(["keys", "new", "--name", "Bad Name"])).code, 2);

  const dir = await tempDir({
    "keys.yaml":
      `providers: { e: { type: echo } }\nmodels: { echo: [e/echo] }\nkeys:\n${name}\n${hash}\n`,
  });
  const checked = await run(["check", `${dir}/keys.yaml`]);
  assertEquals(checked.code, 0, checked.stderr);
  const { parseConfigText } = await import("../lib/config/load.ts");
  const { createRuntime } = await import("../lib/runtime.ts");
  const { start } = await import("../lib/server/serve.ts");
  const config = parseConfigText(
    await Deno.readTextFile(`${dir}/keys.yaml`),
    `${dir}/keys.yaml`,
    {},
  );
  Object.assign(config.server, { port: 0 });
  config.log.dir = "";
  config.log.level = "error";
  await using proxy = start(createRuntime(config));
  const post = (key: string) =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "echo", messages: [{ role: "user", content: "hi" }] }),
    }).then(async (res) => (await res.text(), res.status));
  assertEquals([await post(secret), await post(`${secret}x`)], [200, 401]);
});

Deno.test("check on keys: names and secrets used twice, globs matching no model; budgets it cannot count are warnings", async () => {
  const dir = await tempDir({
    "bad.yaml": [
      "server: { api_keys: [sy-admin-key-0000000001] }",
      "providers: { e: { type: echo }, p: { type: echo, price: { input_per_mtok: 1, output_per_mtok: 1 } } }",
      "models: { echo: [e/echo], priced: [p/x] }",
      "keys:",
      "  - { name: a, key: sy-aaaaaaaaaaaaaaaaaaaa01 }",
      "  - { name: a, key: sy-aaaaaaaaaaaaaaaaaaaa01 }",
      "  - { name: b, key: sy-admin-key-0000000001, models: [gpt-*] }",
      "  - { name: c, key: sy-cccccccccccccccccccc01, key_sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }",
    ].join("\n"),
    "warn.yaml": [
      "providers: { e: { type: echo }, p: { type: echo, price: { input_per_mtok: 1, output_per_mtok: 1 } } }",
      "models: { echo: [e/echo], priced: [p/x] }",
      "keys:",
      "  - { name: everything, key: sy-eeeeeeeeeeeeeeeeeeee01, budget: { usd: 5, period: day } }",
      "  - { name: priced, key: sy-pppppppppppppppppppp01, models: [priced], budget: { usd: 5, period: day } }",
    ].join("\n"),
  });
  const bad = await run(["check", `${dir}/bad.yaml`]);
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /keys\.1\.name: 'a' is also keys\.0 \(.+bad\.yaml:6\)/);
  assertMatch(bad.stderr, /keys\.1\.key: the same key as keys\.0/);
  assertMatch(bad.stderr, /keys\.2\.key: the same key as one of server\.api_keys/);
  assertMatch(bad.stderr, /keys\.2\.models\.0: 'gpt-\*' matches no model in models/);
  assertMatch(bad.stderr, /keys\.3\.key: give exactly one of key and key_sha256/);
  const warned = await run(["check", `${dir}/warn.yaml`]);
  assertEquals(warned.code, 0, warned.stderr);
  assertMatch(
    warned.stderr,
    /warning: keys\.0\.budget: no price on providers\.e, which this key may reach: what it spends there is not counted/,
  );
  assert(
    !/keys\.1\.budget: no price/.test(warned.stderr),
    "a key that reaches only priced deployments",
  );
  assertMatch(
    warned.stderr,
    /warning: keys\.0\.budget: spend is kept in this process's memory and lost on restart \(and 1 more keys' budgets\)/,
  );
});
