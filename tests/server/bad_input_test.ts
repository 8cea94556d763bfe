import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { jsonResponse, openAIChatJSON } from "../support/wire.ts";
import { endless, sendChunked } from "../support/raw_http.ts";

const echoConfig = (server: Record<string, unknown> = {}) => ({
  server,
  providers: { echo: { type: "echo" } },
  models: { echo: ["echo/echo"], "tiny-*": ["echo/echo"] },
});

const JSON_HEADERS = { "content-type": "application/json" };

async function post(url: string, body: BodyInit, headers: Record<string, string> = JSON_HEADERS) {
  const res = await fetch(url, { method: "POST", body, headers });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

Deno.test("malformed JSON: 400 with the parser's reason, in each endpoint's format", async () => {
  await using proxy = startProxy(echoConfig());
  const openai = await post(`${proxy.v1}/chat/completions`, "{not json");
  assertEquals(openai.status, 400);
  assertMatch(openai.json.error.message, /malformed JSON body: .+/);
  assertEquals(openai.json.error.type, "invalid_request_error");
  const anthropic = await post(`${proxy.url}/v1/messages`, "{not json");
  assertEquals(anthropic.status, 400);
  assertEquals(anthropic.json.type, "error");
  assertEquals(anthropic.json.error.type, "invalid_request_error");
  assertMatch(anthropic.json.error.message, /malformed JSON/);
  assert(anthropic.headers.get("x-request-id"));
});

Deno.test("minimal validation: model a string, messages/input of the right type", async () => {
  await using proxy = startProxy(echoConfig());
  const cases: [string, unknown, RegExp][] = [
    ["/v1/chat/completions", { model: 5, messages: [] }, /'model' must be a non-empty string/],
    ["/v1/chat/completions", { model: "echo" }, /'messages' must be an array/],
    ["/v1/chat/completions", { model: "echo", messages: "hi" }, /'messages' must be an array/],
    ["/v1/messages", { model: "echo", messages: {} }, /'messages' must be an array/],
    ["/v1/responses", { model: "echo", input: 3 }, /'input' must be a string or an array/],
    ["/v1/chat/completions", [1, 2], /must be a JSON object/],
  ];
  for (const [path, body, message] of cases) {
    const r = await post(`${proxy.url}${path}`, JSON.stringify(body));
    assertEquals(r.status, 400, path);
    assertMatch(r.json.error.message, message);
  }
  // Everything else is the upstream's to judge: unknown fields pass.
  const ok = await post(
    `${proxy.v1}/chat/completions`,
    JSON.stringify({ model: "echo", messages: [], foo: { bar: 1 } }),
  );
  assertEquals(ok.status, 200);
});

Deno.test("unknown model: 404 listing the configured ones", async () => {
  await using proxy = startProxy(echoConfig());
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const err = await ai.chat.completions.create({ model: "nope", messages: [] }).catch((e) => e);
  assert(err instanceof OpenAI.NotFoundError);
  assertMatch(err.message, /unknown model 'nope'; configured: echo, tiny-\*/);
  const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const aerr = await anthropic.messages.create({ model: "nope", max_tokens: 1, messages: [] })
    .catch((e) => e);
  assert(aerr instanceof Anthropic.NotFoundError);
  assertEquals((aerr.error as { error: { type: string } }).error.type, "not_found_error");
});

Deno.test("a model with no deployment for the endpoint: 404 naming the reason", async () => {
  await using proxy = startProxy(echoConfig());
  const r = await post(`${proxy.v1}/embeddings`, JSON.stringify({ model: "echo", input: "x" }));
  assertEquals(r.status, 404);
  assertMatch(r.json.error.message, /no deployment that serves \/v1\/embeddings/);
});

Deno.test("body over max_body_mb: 413, declared or chunked, without reading the rest", async () => {
  await using proxy = startProxy(echoConfig({ max_body_mb: 0.001 }));
  const big = JSON.stringify({
    model: "echo",
    messages: [{ role: "user", content: "x".repeat(5000) }],
  });
  const declared = await post(`${proxy.v1}/chat/completions`, big);
  assertEquals(declared.status, 413);
  // A chunked upload that never ends: the 413 must come without waiting for the end.
  const chunked = await sendChunked(
    proxy.url,
    "POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json",
    endless("x".repeat(512)),
  );
  assertEquals(chunked.status, 413);
  assertMatch(JSON.parse(chunked.body).error.message, /larger than 1048 bytes/);
  const messages = await post(`${proxy.url}/v1/messages`, big);
  assertEquals(messages.status, 413);
  assertEquals(messages.json.error.type, "request_too_large");
});

Deno.test("a body slower than read_timeout_s: 408", async () => {
  await using proxy = startProxy(echoConfig({ read_timeout_s: 0.2 }));
  // Part of a body, then silence.
  const res = await sendChunked(
    proxy.url,
    "POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json",
    ['{"model":"echo",'],
    0,
  );
  assertEquals(res.status, 408);
  assertMatch(JSON.parse(res.body).error.message, /not received within 0.2 s/);
});

Deno.test("unknown route 404, wrong method 405 with Allow", async () => {
  await using proxy = startProxy(echoConfig());
  const unknown = await fetch(`${proxy.url}/v2/whatever`);
  assertEquals(unknown.status, 404);
  assertMatch((await unknown.json()).error.message, /unknown route GET \/v2\/whatever/);
  const get = await fetch(`${proxy.v1}/chat/completions`);
  assertEquals(get.status, 405);
  assertEquals(get.headers.get("allow"), "POST");
  await get.body?.cancel();
  const put = await fetch(`${proxy.url}/v1/messages`, { method: "PUT", body: "{}" });
  assertEquals(put.status, 405);
  assertEquals((await put.json()).type, "error");
  const postModels = await fetch(`${proxy.v1}/models`, { method: "POST" });
  assertEquals(postModels.headers.get("allow"), "GET, HEAD");
  await postModels.body?.cancel();
});

Deno.test("text/plain body is one user message; fields from the query string", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  await using proxy = startProxy({
    providers: { up: { type: "openai", base_url: up.url } },
    models: { "*": ["up/*"] },
  });
  const res = await fetch(
    `${proxy.v1}/chat/completions?model=gpt-4o&temperature=0.5&max_tokens=7&stream=false`,
    {
      method: "POST",
      body: "Fix this sentense please",
      headers: { "content-type": "text/plain" },
    },
  );
  assertEquals(res.status, 200);
  await res.body?.cancel();
  assertEquals(up.last().json, {
    model: "gpt-4o",
    messages: [{ role: "user", content: "Fix this sentense please" }],
    temperature: 0.5,
    max_tokens: 7,
  });
  assertEquals(up.last().path, "/chat/completions");
});

Deno.test("message content that is a JSON object is sent as its JSON text", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  await using proxy = startProxy({
    providers: { up: { type: "openai", base_url: up.url } },
    models: { "*": ["up/*"] },
  });
  await post(
    `${proxy.v1}/chat/completions`,
    JSON.stringify({ model: "m", messages: [{ role: "user", content: { a: 1, b: [2] } }] }),
  );
  assertEquals((up.last().json.messages as { content: unknown }[])[0].content, '{"a":1,"b":[2]}');
});

Deno.test("raw_text_fallback: malformed JSON becomes a user message", async () => {
  await using proxy = startProxy(echoConfig({ raw_text_fallback: true }));
  const r = await post(`${proxy.v1}/chat/completions?model=echo`, "not { json");
  assertEquals(r.status, 200);
  assertEquals(r.json.choices[0].message.content, "not { json");
});

Deno.test("proxy keys: Bearer or x-api-key; 401 in the endpoint's format; health is public", async () => {
  await using proxy = startProxy(echoConfig({ api_keys: ["sk-proxy-1", "sk-proxy-2"] }));
  const body = JSON.stringify({
    model: "echo",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  });
  const none = await post(`${proxy.v1}/chat/completions`, body);
  assertEquals(none.status, 401);
  assertEquals(none.json.error.type, "authentication_error");
  const wrong = await post(`${proxy.url}/v1/messages`, body, {
    ...JSON_HEADERS,
    "x-api-key": "sk-proxy-3",
  });
  assertEquals(wrong.status, 401);
  assertEquals(wrong.json.error.type, "authentication_error");
  assert(!JSON.stringify(wrong.json).includes("sk-proxy-3"));
  assertEquals(
    (await post(`${proxy.v1}/chat/completions`, body, {
      ...JSON_HEADERS,
      authorization: "Bearer sk-proxy-2",
    })).status,
    200,
  );
  assertEquals(
    (await post(`${proxy.url}/v1/messages`, body, { ...JSON_HEADERS, "x-api-key": "sk-proxy-1" }))
      .status,
    200,
  );
  assertEquals((await fetch(`${proxy.v1}/models`)).status, 401);
  assertEquals((await fetch(`${proxy.url}/health`)).status, 200);
  assertEquals((await fetch(`${proxy.url}/health/ready`)).status, 200);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "sk-proxy-1" });
  assertEquals(
    (await ai.chat.completions.create({
      model: "echo",
      messages: [{ role: "user", content: "ok" }],
    })).choices[0].message.content,
    "ok",
  );
});

Deno.test("${KEY:-} in api_keys means no key, not the empty key", async () => {
  await using proxy = startProxy(echoConfig({ api_keys: ["${UNSET_SWITCHYARD_TEST_KEY:-}"] }));
  assertEquals((await fetch(`${proxy.v1}/models`)).status, 200);
});

Deno.test("wrong shapes on a translated route: 400 naming the path, in the endpoint's format; a bad upstream answer: 502", async () => {
  await using up = fakeUpstream((r) =>
    r.path.startsWith("/v1/messages")
      ? jsonResponse('{"type":"message","content":[null,{"type":"text","text":5}]}')
      : jsonResponse('{"choices":[{"message":{"tool_calls":[null]}}]}')
  );
  await using proxy = startProxy({
    providers: {
      an: { type: "anthropic", base_url: up.url },
      oa: { type: "openai", base_url: up.url, responses: false },
    },
    models: { "to-claude": ["an/claude-x"], "to-gpt": ["oa/gpt-x"] },
  });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["/v1/chat/completions", { model: "to-claude", messages: [null] }, /messages\.0: /],
    [
      "/v1/chat/completions",
      { model: "to-claude", messages: [{ role: "user", content: [null] }] },
      /messages\.0\.content/,
    ],
    ["/v1/chat/completions", { model: "to-claude", messages: [], tools: [5] }, /tools\.0: /],
    [
      "/v1/messages",
      { model: "to-gpt", max_tokens: 5, messages: [{ role: "user" }] },
      /messages\.0\.content: /,
    ],
    ["/v1/messages", { model: "to-gpt", max_tokens: 5, system: 7, messages: [] }, /system: /],
    ["/v1/responses", { model: "to-gpt", input: [null] }, /input/],
  ];
  for (const [path, body, message] of cases) {
    const r = await post(`${proxy.url}${path}`, JSON.stringify(body));
    assertEquals(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
    const error = r.json.error;
    assertMatch(error.message, message);
    assertEquals(error.type, "invalid_request_error");
  }
  const answer = await post(
    `${proxy.url}/v1/messages`,
    JSON.stringify({ model: "to-gpt", max_tokens: 5, messages: [{ role: "user", content: "q" }] }),
  );
  assertEquals(answer.status, 502);
  assertEquals(answer.json.type, "error");
  assertMatch(answer.json.error.message, /cannot be translated/);
});

Deno.test("a body the client breaks off or frames wrongly: 400 (or nothing, when it is gone), never a 500", async () => {
  await using proxy = startProxy(echoConfig());
  const { hostname, port } = new URL(proxy.url);
  const head =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n";
  const broken = [
    // A chunk that ends before its declared size, then the client half-closes.
    `${head}transfer-encoding: chunked\r\n\r\n5\r\n{"mod`,
    // A declared length the body never reaches.
    `${head}content-length: 100\r\n\r\n{"model":`,
  ];
  for (const request of broken) {
    const logged = proxy.nextRecord();
    const conn = await Deno.connect({ hostname, port: Number(port) });
    await conn.write(new TextEncoder().encode(request));
    await conn.closeWrite();
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf).catch(() => null);
    conn.close();
    const answer = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n));
    assert(!answer.startsWith("HTTP/1.1 500"), answer);
    const record = await logged;
    assertEquals(record.status, 400, JSON.stringify(record));
    assertMatch(record.error!, /the request body could not be read/);
  }
});
