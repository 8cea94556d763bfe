import { assertEquals } from "./support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy } from "./support/proxy.ts";
import { chunkedBody, fakeUpstream } from "./support/upstream.ts";
import {
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "./support/wire.ts";

function upstream() {
  let n = 0;
  return fakeUpstream((r) => {
    n++;
    if (r.path.startsWith("/v1/messages")) return jsonResponse(anthropicJSON(`answer ${n}`));
    return r.json.stream
      ? sseResponse(chunkedBody(openAIChatEvents([`answer ${n}`], null)))
      : jsonResponse(openAIChatJSON(`answer ${n}`));
  });
}

function config(url: string, cache: Record<string, unknown> = {}) {
  return {
    providers: { oa: { type: "openai", base_url: url }, an: { type: "anthropic", base_url: url } },
    models: { "gpt-x": ["oa/gpt-x"], "claude-x": ["an/claude-x"] },
    cache: { ttl_s: 60, max_entries: 2, ...cache },
  };
}

const ask = (content: string) => [{ role: "user" as const, content }];

Deno.test("cache: the same non-streaming request is answered once, on both endpoints; different ones miss", async () => {
  await using up = upstream();
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const first = await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") })
    .withResponse();
  const second = await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") })
    .withResponse();
  assertEquals(second.data.choices[0].message.content, first.data.choices[0].message.content);
  assertEquals([
    first.response.headers.get("x-switchyard-cache"),
    second.response.headers.get("x-switchyard-cache"),
  ], [null, "hit"]);
  assertEquals(second.response.headers.get("x-switchyard-provider"), "cache");
  assertEquals(up.received.length, 1);
  assertEquals(
    (await ai.chat.completions.create({ model: "gpt-x", messages: ask("b") })).choices[0].message
      .content,
    "answer 2",
  );
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m1 = await client.messages.create({ model: "claude-x", max_tokens: 5, messages: ask("a") });
  const m2 = await client.messages.create({ model: "claude-x", max_tokens: 5, messages: ask("a") });
  assertEquals(m2.content, m1.content);
  assertEquals(up.received.length, 3);
  assertEquals(proxy.records.at(-1)!.provider, "cache");
});

Deno.test("cache: streams are never cached; no-cache skips the lookup; entries expire and the least recent go first", async () => {
  await using up = upstream();
  await using proxy = startProxy(config(up.url, { ttl_s: 0.2 }));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  await ai.chat.completions.stream({ model: "gpt-x", messages: ask("s") }).finalContent();
  await ai.chat.completions.stream({ model: "gpt-x", messages: ask("s") }).finalContent();
  assertEquals(up.received.length, 2);
  await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") });
  await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") }, {
    headers: { "cache-control": "no-cache" },
  });
  assertEquals(up.received.length, 4);
  // Two entries at most: a, then b and c push a out.
  await ai.chat.completions.create({ model: "gpt-x", messages: ask("b") });
  await ai.chat.completions.create({ model: "gpt-x", messages: ask("c") });
  const before = up.received.length;
  await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") });
  assertEquals(up.received.length, before + 1);
  // After ttl_s the entry is gone: the same request reaches the upstream again.
  const cached = up.received.length;
  while (up.received.length === cached) {
    await ai.chat.completions.create({ model: "gpt-x", messages: ask("a") });
  }
});

Deno.test("cache: scoped by caller, query and vendor headers — one key never gets another's answer", async () => {
  await using up = upstream();
  await using proxy = startProxy({ ...config(up.url), server: { api_keys: ["key-a", "key-b"] } });
  const as = (apiKey: string) => new OpenAI({ baseURL: proxy.v1, apiKey });
  const a = await as("key-a").chat.completions.create({ model: "gpt-x", messages: ask("same") });
  const b = await as("key-b").chat.completions.create({ model: "gpt-x", messages: ask("same") });
  assertEquals(up.received.length, 2);
  assertEquals(a.choices[0].message.content === b.choices[0].message.content, false);
  // The same caller asking the same again is served from the cache.
  await as("key-a").chat.completions.create({ model: "gpt-x", messages: ask("same") });
  assertEquals(up.received.length, 2);

  const claude = (headers: Record<string, string>, query = "") =>
    fetch(`${proxy.url}/v1/messages${query}`, {
      method: "POST",
      headers: { "x-api-key": "key-a", "content-type": "application/json", ...headers },
      body: JSON.stringify({ model: "claude-x", max_tokens: 9, messages: ask("same") }),
    }).then((r) => r.json());
  await claude({ "anthropic-version": "2023-06-01" });
  await claude({ "anthropic-version": "2023-06-01", "anthropic-beta": "a-beta" });
  await claude({ "anthropic-version": "2023-06-01" }, "?beta=true");
  assertEquals(up.received.length, 5);
  await claude({ "anthropic-version": "2023-06-01", "anthropic-beta": "a-beta" });
  assertEquals(up.received.length, 5);
});
