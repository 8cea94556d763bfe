import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { stringify } from "yaml";
import { run, tempDir } from "./support/cli.ts";
import { startProxyWithPlugins } from "./support/proxy.ts";
import { chatBothWays } from "./support/clients.ts";
import { chunkedBody, fakeUpstream, gate } from "./support/upstream.ts";
import {
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "./support/wire.ts";

const PLUGIN_API = new URL("../lib/plugin.ts", import.meta.url).href;
const REQUEST_LOG = await Deno.makeTempFile({ suffix: ".jsonl" });
Deno.env.set("REQUEST_LOG_FILE", REQUEST_LOG);

/** A fake "Acme Generate" API (see plugins/acme_provider.ts). */
function acmeServer() {
  return fakeUpstream((r) => {
    if (r.headers.get("x-acme-key") !== "acme-secret-key") {
      return new Response("bad key", { status: 401 });
    }
    if (!r.json.stream) {
      return jsonResponse(
        JSON.stringify({ completion: "Acme says hi", finish: "stop", usage: { in: 11, out: 3 } }),
      );
    }
    const lines = [{ token: "Acme " }, { token: "says " }, { token: "hi" }, {
      done: true,
      finish: "stop",
      usage: { in: 11, out: 3 },
    }];
    return new Response(chunkedBody(lines.map((l) => JSON.stringify(l) + "\n")), {
      headers: { "content-type": "application/x-ndjson" },
    });
  });
}

Deno.test("a plugin provider type serves a model: both SDKs, streamed and not, with routing and logs", async () => {
  await using acme = acmeServer();
  await using proxy = await startProxyWithPlugins({
    plugins: ["plugins/acme_provider.ts"],
    providers: {
      acme: {
        type: "acme",
        base_url: acme.url,
        api_key: "acme-secret-key",
        options: { default_max_tokens: 77 },
      },
    },
    models: { "acme-1": ["acme/acme-large"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "acme-1",
    messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "Hello" }],
  });
  assertEquals(r.choices[0].message.content, "Acme says hi");
  assertEquals(acme.last().json, {
    prompt: "system: Be kind.\nuser: Hello\nassistant:",
    max_new_tokens: 77,
    stream: false,
  });
  assertEquals(proxy.records.at(-1)!.usage?.total_tokens, 14);
  assertEquals(
    await ai.chat.completions.stream({
      model: "acme-1",
      messages: [{ role: "user", content: "Hi" }],
    }).finalContent(),
    "Acme says hi",
  );
  assertEquals(
    proxy.records.at(-1)!.usage?.prompt_tokens,
    11,
    "usage of a plugin's stream, asked for on the client's behalf",
  );

  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.create({
    model: "acme-1",
    max_tokens: 20,
    messages: [{ role: "user", content: "Hi" }],
  });
  assertEquals(m.content[0].type === "text" && m.content[0].text, "Acme says hi");
  const s = await client.messages.stream({
    model: "acme-1",
    max_tokens: 20,
    messages: [{ role: "user", content: "Hi" }],
  }).finalMessage();
  assertEquals(s.content[0].type === "text" && s.content[0].text, "Acme says hi");
  assertEquals(s.usage.output_tokens, 3);
});

Deno.test("hooks: onResponse and onChunk modify answers (translated and split ones too); onRequest rejects", async () => {
  await using up = fakeUpstream((r) => {
    if (r.path.startsWith("/v1/messages")) {
      return jsonResponse(anthropicJSON("this is forbidden knowledge"));
    }
    return r.json.stream
      ? sseResponse(chunkedBody(openAIChatEvents(["a forbidden ", "word"], null)))
      : jsonResponse(openAIChatJSON("plain answer"));
  });
  await using proxy = await startProxyWithPlugins({
    plugins: ["plugins/shout.ts", "plugins/content_filter.ts"],
    providers: {
      oa: { type: "openai", base_url: up.url },
      an: { type: "anthropic", base_url: up.url },
    },
    models: { "gpt-x": ["oa/gpt-x"], "claude-x": ["an/claude-x"], fixer: ["oa/fixer"] },
    splitter: { models: ["split"], model: "fixer", separator: " | " },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  assertEquals(await chatBothWays(ai, "gpt-x"), ["📣 plain answer", "📣 a ********* word"]);
  // Through translation: an OpenAI client, an Anthropic upstream.
  assertEquals(
    (await ai.chat.completions.create({
      model: "claude-x",
      messages: [{ role: "user", content: "q" }],
    })).choices[0].message.content,
    "📣 this is ********* knowledge",
  );
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const m = await client.messages.create({
    model: "claude-x",
    max_tokens: 9,
    messages: [{ role: "user", content: "q" }],
  });
  assertEquals(m.content[0].type === "text" && m.content[0].text, "📣 this is ********* knowledge");

  const before = up.received.length;
  const err = await ai.chat.completions.create({
    model: "gpt-x",
    messages: [{ role: "user", content: "tell me CLASSIFIED things" }],
  }).catch((e) => e);
  assert(err instanceof OpenAI.BadRequestError);
  assertMatch(err.message, /blocked word in request: classified/);
  const aerr = await client.messages.create({
    model: "claude-x",
    max_tokens: 9,
    messages: [{ role: "user", content: "forbidden?" }],
  }).catch((e) => e);
  assert(aerr instanceof Anthropic.BadRequestError);
  assertEquals((aerr.error as { error: { type: string } }).error.type, "invalid_request_error");
  assertEquals(up.received.length, before, "nothing reached the upstream");
});

Deno.test("hooks: an observer sees usage, latency and attempts, success and error, without delaying the response", async () => {
  await using up = fakeUpstream((r) =>
    r.json.model === "down" ? jsonResponse("{}", 500) : jsonResponse(openAIChatJSON("ok"))
  );
  await using proxy = await startProxyWithPlugins({
    plugins: ["plugins/request_logger.ts"],
    providers: { oa: { type: "openai", base_url: up.url, retry: { attempts: 1 } } },
    models: { "*": ["oa/*"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  await ai.chat.completions.create({ model: "good", messages: [] }, {
    headers: { "x-request-id": "obs-1" },
  });
  await ai.chat.completions.create({ model: "down", messages: [] }, {
    headers: { "x-request-id": "obs-2" },
  }).catch(() => {});
  let lines: Record<string, unknown>[] = [];
  while (lines.length < 2) {
    lines = (await Deno.readTextFile(REQUEST_LOG)).trim().split("\n").filter(Boolean).map((l) =>
      JSON.parse(l)
    ).filter((l) => String(l.request_id).startsWith("obs-"));
    if (lines.length < 2) await new Promise((r) => queueMicrotask(() => r(null)));
  }
  const byId = Object.fromEntries(lines.map((l) => [l.request_id, l]));
  assertEquals([
    byId["obs-1"].outcome,
    byId["obs-1"].status,
    byId["obs-1"].tokens,
    byId["obs-1"].attempts,
  ], ["success", 200, 21, 1]);
  assertEquals(byId["obs-1"].deployment, { provider: "oa", model: "good" });
  assertEquals([byId["obs-2"].outcome, byId["obs-2"].status], ["error", 502]);
  assertMatch(String(byId["obs-2"].error), /every deployment/);
});

Deno.test("a hook that throws: a 500 in the endpoint's format, an error event mid-stream, a logged observer — never a crash or a hang", async () => {
  const dir = await tempDir({
    "throws.ts": `import { definePlugin } from "${PLUGIN_API}";
      export default definePlugin({ name: "thrower", hooks: {
        onRequest(ctx) { if (ctx.model === "boom") throw new Error("kaboom"); },
        onChunk(ctx) { if (ctx.text.includes("bad")) throw new Error("chunk exploded"); },
        onSuccess() { throw new Error("observer exploded"); },
      } });`,
  });
  const released = gate();
  await using up = fakeUpstream(() =>
    sseResponse(
      chunkedBody([...openAIChatEvents(["fine ", "bad"], null).slice(0, 2), {
        gate: released.promise,
      }, ...openAIChatEvents(["fine ", "bad"], null).slice(2)]),
    )
  );
  await using proxy = await startProxyWithPlugins({
    plugins: [`${dir}/throws.ts`],
    providers: { oa: { type: "openai", base_url: up.url } },
    models: { "*": ["oa/*"] },
  });
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "boom", messages: [] }),
  });
  assertEquals(res.status, 500);
  assertMatch((await res.json()).error.message, /plugin 'thrower' failed in onRequest: kaboom/);
  const ares = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    body: JSON.stringify({ model: "boom", max_tokens: 5, messages: [] }),
  });
  assertEquals(ares.status, 500);
  assertEquals((await ares.json()).error.type, "api_error");

  const stream = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "ok", stream: true, messages: [] }),
  });
  released.open();
  const text = await stream.text();
  assertMatch(text, /"content":"fine "/);
  assertMatch(
    text,
    /data: \{"error":\{"message":"plugin 'thrower' failed in onChunk: chunk exploded"/,
  );
  // The observer's failure is only logged: the next request is served as usual.
  const after = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "ok", messages: [] }),
  });
  assertEquals(after.status, 200);
  await after.body?.cancel();
});

Deno.test("a broken plugin is a startup and check error naming the file and the problem; paths are relative to the config; npm: works", async () => {
  const dir = await tempDir({
    "no_default.ts": "export const plugin = {};",
    "bad_shape.ts": `export default { name: "x", hooks: { onWhatever() {} } };`,
    "syntax.ts": "export default definePlugin({ name: ",
    "good.ts":
      `import { definePlugin } from "${PLUGIN_API}"; export default definePlugin({ name: "good" });`,
  });
  await Deno.mkdir(`${dir}/conf`);
  const config = (plugins: string[]) =>
    stringify({
      log: { dir: "" },
      plugins,
      providers: { e: { type: "echo" } },
      models: { echo: ["e/echo"] },
    });
  await Deno.writeTextFile(
    `${dir}/conf/broken.yaml`,
    config([
      "../no_default.ts",
      "../bad_shape.ts",
      "../syntax.ts",
      "../missing.ts",
      "npm:yaml@^2.9.1",
    ]),
  );
  await Deno.writeTextFile(`${dir}/conf/good.yaml`, config(["../good.ts"]));
  const checked = await run(["check", "conf/broken.yaml"], { cwd: dir });
  assertEquals(checked.code, 2);
  assertMatch(checked.stderr, /plugins\.0: .*no_default\.ts: no default export/);
  assertMatch(checked.stderr, /plugins\.1: .*bad_shape\.ts: unknown hook 'onWhatever'/);
  assertMatch(checked.stderr, /plugins\.2: .*syntax\.ts: cannot load: /);
  assertMatch(checked.stderr, /plugins\.3: .*missing\.ts: cannot load: /);
  assertMatch(
    checked.stderr,
    /plugins\.3: .*missing\.ts: cannot load: Module not found ".*\/missing\.ts"/,
  );
  // An npm: specifier loads (this package is no plugin, which is what the check says).
  assertMatch(
    checked.stderr,
    /plugins\.4: npm:yaml@\^2\.9\.1: a plugin needs a non-empty string `name`/,
  );
  const started = await run(["--config", "conf/broken.yaml", "--port", "0"], { cwd: dir });
  assertEquals(started.code, 2);
  assertMatch(started.stderr, /cannot start:[\s\S]*no_default\.ts/);
  assertEquals((await run(["check", "good.yaml"], { cwd: `${dir}/conf` })).code, 0);
});
