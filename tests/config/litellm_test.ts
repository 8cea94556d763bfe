/**
 * LiteLLM configs as they are (SPEC §17): the documented shapes in
 * tests/fixtures/litellm/ each checked by the CLI (unsupported keys are
 * warnings with their path, values never printed), converted to switchyard's
 * own YAML (which check accepts), and served against mock upstreams — the
 * LiteLLM file and its conversion alike.
 */
import OpenAI from "openai";
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { run, serve, tempDir } from "../support/cli.ts";
import { startProxyFromFile } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { anthropicJSON, jsonResponse, openAIChatJSON } from "../support/wire.ts";
import { startRedis } from "../support/redis.ts";

type Json = Record<string, unknown>;

const FIXTURES = new URL("../fixtures/litellm/", import.meta.url).pathname;
const fixture = (name: string) => `${FIXTURES}${name}`;

/** Every variable the fixtures name, with values a test can recognise (and look for in output). */
const ENV: Record<string, string> = {
  AZURE_API_BASE: "https://one.openai.azure.com",
  AZURE_API_BASE_2: "https://two.openai.azure.com",
  AZURE_API_KEY: "azure-secret-value-1",
  AZURE_API_KEY_2: "azure-secret-value-2",
  OPENAI_API_BASE: "https://api.openai.com/v1",
  OPENAI_API_KEY: "sk-openai-secret-value",
  REDIS_HOST: "127.0.0.1",
  REDIS_PORT: "6390",
  REDIS_PASSWORD: "redis-secret-value",
  LITELLM_MASTER_KEY: "sk-master-secret-value",
  VLLM_API_BASE: "http://127.0.0.1:9/v1",
  ANTHROPIC_API_BASE: "https://api.anthropic.com",
  ANTHROPIC_API_KEY: "sk-ant-secret-value",
  DATABASE_URL: "postgres://user:db-secret-value@db/litellm",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE12",
  AWS_SECRET_ACCESS_KEY: "aws-secret-value",
  GEMINI_API_KEY: "gemini-secret-value",
  GROQ_API_KEY: "gsk_groq-secret-value",
  OPENROUTER_API_KEY: "sk-or-secret-value",
  DEEPSEEK_API_KEY: "sk-deepseek-secret-value",
};

const noSecrets = (text: string) => {
  for (const value of Object.values(ENV)) {
    if (/secret/.test(value)) assert(!text.includes(value), `a secret printed: ${value}`);
  }
};

Deno.test("litellm: every fixture passes check, unsupported keys warned by path, no value printed", async () => {
  const expected: Record<string, string[]> = {
    "load_balancing.yaml": ["model_list.2.model_info: not supported, ignored"],
    "fallbacks.yaml": [
      "litellm_settings.success_callback: not supported, ignored",
      "general_settings.database_url: not supported, ignored",
      "general_settings.alerting: not supported, ignored",
    ],
    "clouds.yaml": [],
    "openai_compatible.yaml": [],
  };
  for (const [name, warnings] of Object.entries(expected)) {
    const r = await run(["check", fixture(name)], { env: ENV });
    assertEquals(r.code, 0, `${name}: ${r.stderr}`);
    assertMatch(r.stdout, /: ok/);
    const said = r.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    assertEquals(said.map((l) => l.replace(/^warning: /, "").replace(/ \(.*\)$/, "")), warnings);
    // Each warning names the file's line.
    for (const line of said) {
      assertMatch(line, new RegExp(`${name.replace(".", "\\.")}:\\d+\\)$`));
    }
    noSecrets(r.stdout + r.stderr);
  }
});

Deno.test("litellm: an unset os.environ/X, an unknown prefix and a mixed file are check problems naming them", async () => {
  const { AZURE_API_KEY_2: _, ...missing } = ENV;
  const unset = await run(["check", fixture("load_balancing.yaml")], { env: missing });
  assertEquals(unset.code, 2);
  assertMatch(
    unset.stderr,
    /model_list\.1\.litellm_params\.api_key: os\.environ\/AZURE_API_KEY_2 is not set \(.*load_balancing\.yaml:15\)/,
  );
  const dir = await tempDir({
    "unknown.yaml":
      "model_list:\n  - model_name: x\n    litellm_params: { model: frobnicate/x-1 }\n",
    "mixed.yaml":
      "model_list:\n  - model_name: x\n    litellm_params: { model: openai/x }\nproviders: {}\n",
  });
  const unknown = await run(["check", `${dir}/unknown.yaml`]);
  assertEquals(unknown.code, 2);
  assertMatch(
    unknown.stderr,
    /model_list\.0\.litellm_params\.model: unknown provider prefix 'frobnicate'/,
  );
  const mixed = await run(["check", `${dir}/mixed.yaml`]);
  assertEquals(mixed.code, 2);
  assertMatch(
    mixed.stderr,
    /providers: this file has LiteLLM's model_list and switchyard's own keys/,
  );
});

Deno.test("litellm: convert prints switchyard's YAML — ${X} for os.environ/X, choices commented — which check accepts", async () => {
  const dir = await tempDir({});
  await Deno.copyFile(fixture("vertex-sa.json"), `${dir}/vertex-sa.json`);
  for (
    const name of ["load_balancing.yaml", "fallbacks.yaml", "clouds.yaml", "openai_compatible.yaml"]
  ) {
    const r = await run(["convert", fixture(name)], { env: ENV });
    assertEquals(r.code, 0, `${name}: ${r.stderr}`);
    noSecrets(r.stdout);
    assert(!/os\.environ\//.test(r.stdout), "no os.environ/ left");
    await Deno.writeTextFile(`${dir}/${name}`, r.stdout);
    const check = await run(["check", `${dir}/${name}`], { env: ENV });
    assertEquals(check.code, 0, `${name} converted: ${check.stderr}\n${r.stdout}`);
    assertEquals(check.stderr.includes("warning:"), false, check.stderr);
  }
  const balanced = parse(await Deno.readTextFile(`${dir}/load_balancing.yaml`));
  assertEquals(balanced.providers.azure, {
    type: "azure",
    base_url: "${AZURE_API_BASE}",
    api_key: "${AZURE_API_KEY}",
    api_version: "2023-07-01-preview",
    timeout_s: 30,
    retry: { attempts: 3 },
  });
  assertEquals(balanced.models["gpt-3.5-turbo"], [
    { provider: "azure", model: "chatgpt-v-2", priority: 0, rpm: 600 },
    { provider: "azure-2", model: "chatgpt-functioncalling", priority: 0, rpm: 600 },
    { provider: "openai", model: "gpt-3.5-turbo", priority: 0, rpm: 1440 },
  ]);
  assertEquals(balanced.routing, { strategy: "priority", cooldown: { failures: 4, seconds: 30 } });
  assertEquals(balanced.state, { url: "redis://${REDIS_HOST}:${REDIS_PORT}" });
  assertEquals(balanced.server, { api_keys: ["${LITELLM_MASTER_KEY}"] });
  const text = await Deno.readTextFile(`${dir}/load_balancing.yaml`);
  assertMatch(text, /simple-shuffle: equal priorities share the load by weight/);
  assertMatch(text, /allowed_fails 3: a cooldown after 4 failures in a row/);

  const clouds = parse(await Deno.readTextFile(`${dir}/clouds.yaml`));
  assertEquals(clouds.providers.bedrock.region, "us-east-1");
  assertEquals(
    clouds.models["bedrock-claude"][0].model,
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
  );
  assertEquals(clouds.providers["vertex-ai"].publisher, "google");
  assertEquals(clouds.providers["vertex-ai-2"].publisher, "anthropic");
  assertEquals(clouds.providers.azure.base_url, "https://my-resource.openai.azure.com");
  assertEquals(clouds.models["azure-gpt-4o"][0], {
    provider: "azure",
    model: "gpt-4o-deployment",
    priority: 0,
    tpm: 90000,
  });

  const compat = parse(await Deno.readTextFile(`${dir}/openai_compatible.yaml`));
  assertEquals(compat.providers.groq.base_url, "https://api.groq.com/openai/v1");
  assertEquals(compat.providers.openrouter.base_url, "https://openrouter.ai/api/v1");
  assertEquals(compat.models["or-gpt"][0].model, "openai/gpt-4o-mini");
  assertEquals(compat.providers.deepseek.base_url, "https://api.deepseek.com/v1");
  assertEquals(compat.providers["ollama-chat"], {
    type: "ollama",
    base_url: "http://localhost:11434",
  });
  assertEquals(compat.models["*"], [{ provider: "openai", model: "*", priority: 0 }]);
  assertEquals(compat.routing.strategy, "latency");
  assertEquals(compat.cache, { store: "state", ttl_s: 600 });
  assertEquals(compat.state.url, "redis://:${REDIS_PASSWORD}@${REDIS_HOST}:6379");
});

Deno.test("litellm: the load-balancing config served as it is and converted — one group over three deployments, the master key required", async () => {
  const answered = new Map<string, number>();
  await using up = fakeUpstream((r) => {
    const who = r.headers.get("api-key") ?? r.headers.get("authorization") ?? "";
    answered.set(`${r.path} ${who}`, (answered.get(`${r.path} ${who}`) ?? 0) + 1);
    return jsonResponse(openAIChatJSON("ok"));
  });
  await using redis = await startRedis();
  const env = {
    ...ENV,
    AZURE_API_BASE: `${up.url}/one`,
    AZURE_API_BASE_2: `${up.url}/two`,
    OPENAI_API_BASE: `${up.url}/v1`,
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: new URL(redis.url).port,
  };
  const converted = await run(["convert", fixture("load_balancing.yaml")], { env });
  const dir = await tempDir({ "switchyard.yaml": converted.stdout });
  for (const file of [fixture("load_balancing.yaml"), `${dir}/switchyard.yaml`]) {
    answered.clear();
    await using proxy = await startProxyFromFile(file, env);
    assertEquals(proxy.rt.config.state.url, redis.url);
    const refused = await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: "{}" });
    assertEquals(refused.status, 401);
    // LiteLLM's clients often point at the host (no /v1): its routes answer too.
    const client = new OpenAI({ baseURL: proxy.url, apiKey: ENV.LITELLM_MASTER_KEY });
    for (let i = 0; i < 60; i++) {
      const answer = await client.chat.completions.create({
        model: "gpt-3.5-turbo",
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(answer.choices[0].message.content, "ok");
    }
    assertEquals([...answered.keys()].sort(), [
      "/one/openai/deployments/chatgpt-v-2/chat/completions?api-version=2023-07-01-preview azure-secret-value-1",
      "/two/openai/deployments/chatgpt-functioncalling/chat/completions?api-version=2023-07-01-preview azure-secret-value-2",
      "/v1/chat/completions Bearer sk-openai-secret-value",
    ]);
    assertEquals([...answered.values()].reduce((a, b) => a + b), 60);
  }
});

Deno.test("litellm: fallbacks served — a failing group's request answered by the next, priced and retried as the file says", async () => {
  await using vllm = fakeUpstream(() =>
    jsonResponse(JSON.stringify({ error: { message: "down", type: "server_error" } }), 503)
  );
  await using anthropic = fakeUpstream(() => jsonResponse(anthropicJSON("from claude")));
  await using openai = fakeUpstream(() => jsonResponse(openAIChatJSON("from gpt")));
  const env = {
    ...ENV,
    VLLM_API_BASE: `${vllm.url}/v1`,
    ANTHROPIC_API_BASE: anthropic.url,
    OPENAI_API_BASE: `${openai.url}/v1`,
  };
  await using proxy = await startProxyFromFile(fixture("fallbacks.yaml"), env);
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "sk-1234" });
  const answer = await client.chat.completions.create({
    model: "zephyr-beta",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(answer.choices[0].message.content, "from claude");
  // max_retries: 0 on the vLLM entry — one try, then the fallback.
  assertEquals(vllm.received.length, 1);
  assertEquals(vllm.last().json.model, "HuggingFaceH4/zephyr-7b-beta");
  assertEquals(anthropic.last().path, "/v1/messages");
  assertEquals(anthropic.last().json.model, "claude-sonnet-4-5-20250929");
  // input_cost_per_token 3e-6 and output_cost_per_token 1.5e-5, per million.
  assertEquals(proxy.rt.config.providers.anthropic.price, {
    input_per_mtok: 3,
    output_per_mtok: 15,
  });
  assertEquals(proxy.records.at(-1)!.provider, "anthropic");
  const gpt = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(gpt.choices[0].message.content, "from gpt");
  assertEquals((openai.last().json as Json).model, "gpt-4o");
});

Deno.test("litellm: `switchyard --config litellm.yaml` starts on the file as it is, its warnings on stderr at start-up", async () => {
  await using openai = fakeUpstream(() => jsonResponse(openAIChatJSON("served")));
  const env = { ...ENV, OPENAI_API_BASE: `${openai.url}/v1`, LOG_LEVEL: "warn" };
  const dir = await tempDir({});
  const p = await serve(["--config", fixture("fallbacks.yaml")], { env, cwd: dir });
  const said = await p.said(/listening on/);
  assertMatch(
    said,
    /warning: litellm_settings\.success_callback: not supported, ignored \(.*fallbacks\.yaml:28\)/,
  );
  noSecrets(said);
  const answer = await new OpenAI({ baseURL: p.url, apiKey: "sk-1234" }).chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(answer.choices[0].message.content, "served");
  assertEquals(openai.last().headers.get("authorization"), `Bearer ${ENV.OPENAI_API_KEY}`);
  p.child.kill("SIGTERM");
  assertEquals((await p.child.status).code, 0);
});
