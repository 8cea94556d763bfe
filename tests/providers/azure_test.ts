/**
 * `type: azure` (SPEC §16) against a mock that answers only what Azure
 * OpenAI answers: the deployment style (`/openai/deployments/D/…` with
 * `api-version`) and the v1 style (`/openai/v1/…`), the key in `api-key`,
 * Azure's content-filter fields in the answers. Through the official SDKs:
 * passed through byte for byte, streamed, and translated for Anthropic
 * clients; a missing endpoint or key is a `check` problem.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { run, tempDir } from "../support/cli.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream, type Received } from "../support/upstream.ts";
import {
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  responsesJSON,
  sseResponse,
} from "../support/wire.ts";

const KEY = "azure-key-0123456789abcdef0123456789";
const VERSION = "2024-10-21";

/** Azure's answer: OpenAI's, with its content-filter results. */
function azureChat(text: string): string {
  const body = JSON.parse(openAIChatJSON(text));
  body.prompt_filter_results = [{
    prompt_index: 0,
    content_filter_results: { hate: { filtered: false, severity: "safe" } },
  }];
  body.choices[0].content_filter_results = { hate: { filtered: false, severity: "safe" } };
  return JSON.stringify(body);
}

/** Refuses what Azure would: a wrong key, an unknown path, a deployment call without api-version. */
function azure() {
  return fakeUpstream((r: Received) => {
    if (r.headers.get("api-key") !== KEY || r.headers.has("authorization")) {
      return jsonResponse(
        JSON.stringify({ error: { code: "401", message: "Access denied" } }),
        401,
      );
    }
    const url = new URL(`http://x${r.path}`);
    const deployment = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    const v1 = url.pathname === "/openai/v1/chat/completions";
    if (url.pathname === "/openai/v1/responses") {
      return jsonResponse(responsesJSON([{ text: ["from responses"] }]));
    }
    if (deployment && url.searchParams.get("api-version") !== VERSION) {
      return jsonResponse(
        JSON.stringify({ error: { code: "404", message: "Resource not found" } }),
        404,
      );
    }
    if (!deployment && !v1) {
      return jsonResponse(
        JSON.stringify({ error: { code: "404", message: "Resource not found" } }),
        404,
      );
    }
    const name = deployment ? decodeURIComponent(deployment[1]) : String(r.json.model);
    if (r.json.stream) return sseResponse(openAIChatEvents(["from ", name]).join(""));
    return jsonResponse(azureChat(`from ${name}`));
  });
}

Deno.test("azure, deployment style: the deployment and api-version in the URL, api-key, the answer byte for byte; streamed; Anthropic clients translated", async () => {
  await using up = azure();
  await using proxy = startProxy({
    providers: {
      az: { type: "azure", base_url: `${up.url}/`, api_key: KEY, api_version: VERSION },
      named: {
        type: "azure",
        base_url: up.url,
        api_key: KEY,
        api_version: VERSION,
        deployment: "prod-4o",
      },
    },
    models: { "gpt-4o": ["az/my-gpt4o"], named: ["named/gpt-4o"] },
  });
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const data = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(data.choices[0].message.content, "from my-gpt4o");
  const raw = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
  });
  assertEquals(await raw.text(), azureChat("from my-gpt4o"));
  assertEquals(
    up.last().path,
    `/openai/deployments/my-gpt4o/chat/completions?api-version=${VERSION}`,
  );
  const named = await client.chat.completions.create({
    model: "named",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(named.choices[0].message.content, "from prod-4o");

  let streamed = "";
  for await (
    const c of await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    })
  ) {
    streamed += c.choices[0]?.delta?.content ?? "";
  }
  assertEquals(streamed, "from my-gpt4o");

  const claude = await new Anthropic({ baseURL: proxy.url, apiKey: "k" }).messages.create({
    model: "gpt-4o",
    max_tokens: 20,
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals((claude.content[0] as { text: string }).text, "from my-gpt4o");
  // The Responses API is translated to chat in this style.
  const r = await client.responses.create({ model: "gpt-4o", input: "hi" });
  assertEquals(r.output_text, "from my-gpt4o");
  assertMatch(up.last().path, /^\/openai\/deployments\/my-gpt4o\/chat\/completions\?api-version=/);
});

Deno.test("azure, v1 style: /openai/v1/… with the model in the body, the Responses API passed through", async () => {
  await using up = azure();
  await using proxy = startProxy({
    providers: { az: { type: "azure", base_url: up.url, api_key: KEY } },
    models: { "gpt-4o": ["az/gpt-4o-mini"] },
  });
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const answer = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(answer.choices[0].message.content, "from gpt-4o-mini");
  assertEquals([up.last().path, up.last().json.model], [
    "/openai/v1/chat/completions",
    "gpt-4o-mini",
  ]);
  const r = await client.responses.create({ model: "gpt-4o", input: "hi" });
  assertEquals(r.output_text, "from responses");
  assertEquals(up.last().path, "/openai/v1/responses");
  assert(up.received.every((x) => x.headers.get("api-key") === KEY));
});

Deno.test("azure: check names a missing endpoint or key, and settings only azure takes", async () => {
  const dir = await tempDir({
    "bad.yaml": [
      "providers:",
      "  a: { type: azure, api_key: k }",
      "  b: { type: azure, base_url: 'https://x.openai.azure.com' }",
      "models: { m: [a/x, b/x] }",
    ].join("\n"),
    "other.yaml": [
      "providers: { c: { type: openai, api_version: '2024-10-21' } }",
      "models: { m: [c/x] }",
    ].join("\n"),
  });
  const out = await run(["check", "bad.yaml"], { cwd: dir });
  assertEquals(out.code, 2, out.stderr);
  assertMatch(out.stderr, /providers\.a: type azure needs base_url/);
  assertMatch(out.stderr, /providers\.b: type azure needs api_key/);
  const other = await run(["check", "other.yaml"], { cwd: dir });
  assertEquals(other.code, 2, other.stderr);
  assertMatch(
    other.stderr,
    /providers\.c\.api_version: only providers of type 'azure' take 'api_version'/,
  );
});
