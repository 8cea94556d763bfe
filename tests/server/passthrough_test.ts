import { assert, assertEquals } from "../support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { chunkedBody, fakeUpstream, gate } from "../support/upstream.ts";
import { oneProvider, startProxy } from "../support/proxy.ts";
import {
  anthropicEvents,
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "../support/wire.ts";

const CLIENT_KEY = "client-key-should-never-reach-upstream";

async function rawBytes(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

Deno.test("openai SDK, non-stream: the exact upstream bytes, with the model renamed upstream", async () => {
  const body = openAIChatJSON("Hello from upstream");
  await using up = fakeUpstream(() => jsonResponse(body));
  await using proxy = startProxy(
    oneProvider("openai", `${up.url}/v1`, { "my-gpt": ["up/gpt-4o"] }),
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: CLIENT_KEY });
  const { data, response } = await ai.chat.completions
    .create({ model: "my-gpt", messages: [{ role: "user", content: "hi" }], temperature: 0.3 })
    .withResponse();
  assertEquals(data.choices[0].message.content, "Hello from upstream");
  assertEquals(response.headers.get("x-switchyard-provider"), "up");
  assert(response.headers.get("x-request-id"));
  const sent = up.last();
  assertEquals(sent.path, "/v1/chat/completions");
  assertEquals(sent.json.model, "gpt-4o");
  assertEquals(sent.json.temperature, 0.3);
  assertEquals(sent.headers.get("authorization"), "Bearer sk-upstream-secret-0123456789");
  assert(
    !sent.text.includes(CLIENT_KEY) &&
      ![...sent.headers.values()].some((v) => v.includes(CLIENT_KEY)),
  );

  // Byte for byte, status and content-type included.
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "my-gpt", messages: [{ role: "user", content: "hi" }] }),
  });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/json");
  assertEquals(await rawBytes(res), body);
});

Deno.test("the upstream's own response headers reach the client, JSON and stream; hop-by-hop and cookies do not", async () => {
  const theirs = { "x-ratelimit-remaining-requests": "4999", "openai-processing-ms": "12" };
  await using up = fakeUpstream((req) => {
    const headers = { ...theirs, "set-cookie": "session=upstream", connection: "keep-alive" };
    return req.json.stream
      ? new Response(chunkedBody(openAIChatEvents(["ok"])), {
        headers: { ...headers, "content-type": "text/event-stream; charset=utf-8" },
      })
      : jsonResponse(openAIChatJSON("ok"), 200, headers);
  });
  await using proxy = startProxy(oneProvider("openai", up.url));
  for (const stream of [false, true]) {
    const res = await fetch(`${proxy.v1}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-4o", stream, messages: [] }),
    });
    await res.arrayBuffer();
    for (const [name, value] of Object.entries(theirs)) assertEquals(res.headers.get(name), value);
    assertEquals(res.headers.get("set-cookie"), null);
    assertEquals(res.headers.get("x-switchyard-provider"), "up");
  }
});

Deno.test("client body goes upstream byte for byte but for the model name", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  await using proxy = startProxy(
    oneProvider("openai", up.url, { alias: ["up/real-model"], "same-*": ["up/*"] }),
  );
  const original =
    '{ "messages" : [ {"role":"user","content":"say \\"model\\": x"} ],\n  "model":"alias", "n": 1.50, "x_unknown": {"model":"keep"}}';
  await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: original }).then((r) =>
    r.body?.cancel()
  );
  assertEquals(up.last().text, original.replace('"model":"alias"', '"model":"real-model"'));
  const same = '{"model":"same-1","messages":[],"weird":  [1,2 ,3]}';
  await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: same }).then((r) =>
    r.body?.cancel()
  );
  assertEquals(up.last().text, same);
});

Deno.test("openai SDK, stream: every upstream byte, and usage read on the way", async () => {
  const events = openAIChatEvents(["Hel", "lo", "!"]);
  await using up = fakeUpstream(() => sseResponse(chunkedBody(events)));
  await using proxy = startProxy(oneProvider("openai", up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: CLIENT_KEY });
  const stream = await ai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    usage ??= chunk.usage ?? undefined;
  }
  assertEquals(text, "Hello!");
  assertEquals(usage?.total_tokens, 21);

  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      messages: [],
    }),
  });
  assertEquals(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assertEquals(await rawBytes(res), events.join(""));
  assertEquals(proxy.records.at(-1)!.usage?.total_tokens, 21);
});

Deno.test("a chat stream that did not ask for usage: asked for upstream (for the logs), the usage chunk kept from the client", async () => {
  const events = openAIChatEvents(["Hel", "lo", "!"]);
  // Event by event, as streams usually arrive, and all in one chunk of over 1 KiB.
  for (const whole of [false, true]) {
    await using up = fakeUpstream((r) =>
      sseResponse(
        chunkedBody(
          r.json.stream_options
            ? (whole ? [events.join("")] : events)
            : openAIChatEvents(["Hel", "lo", "!"], null),
        ),
      )
    );
    await using proxy = startProxy(oneProvider("openai", up.url));
    const original = '{"model":"gpt-4o","stream":true,"messages":[]}';
    const res = await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: original });
    const text = await rawBytes(res);
    assertEquals(
      up.last().text,
      '{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true,"messages":[]}',
    );
    assertEquals(text, events.filter((e) => !e.includes('"choices":[]')).join(""));
    assertEquals(proxy.records.at(-1)!.usage?.prompt_tokens, 9);
  }
  assert(openAIChatEvents(["Hel", "lo", "!"]).join("").length > 1024);
});

Deno.test("stream: the first chunk reaches the client while the upstream is still sending", async () => {
  const release = gate();
  const events = openAIChatEvents(["first", "second"], null);
  await using up = fakeUpstream(() =>
    sseResponse(chunkedBody([events[0], events[1], { gate: release.promise }, ...events.slice(2)]))
  );
  await using proxy = startProxy(oneProvider("openai", up.url));
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [] }),
  });
  const reader = res.body!.getReader();
  let seen = "";
  while (!seen.includes('"first"')) {
    const r = await reader.read();
    assert(!r.done, `stream ended early: ${seen}`);
    seen += new TextDecoder().decode(r.value);
  }
  assert(!seen.includes('"second"'), "the upstream has not sent 'second' yet");
  release.open();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    seen += new TextDecoder().decode(r.value);
  }
  assertEquals(seen, events.join(""));
});

Deno.test("anthropic SDK, non-stream and stream, with ?beta=true and anthropic headers passed through", async () => {
  const json = anthropicJSON("Bonjour");
  const events = anthropicEvents(["Bon", "jour"]);
  await using up = fakeUpstream((r) =>
    r.json.stream ? sseResponse(chunkedBody(events)) : jsonResponse(json)
  );
  await using proxy = startProxy(oneProvider("anthropic", up.url, { "claude-*": ["up/*"] }));
  const client = new Anthropic({ baseURL: proxy.url, apiKey: CLIENT_KEY });
  const msg = await client.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(msg.content[0].type === "text" && msg.content[0].text, "Bonjour");
  const sent = up.last();
  assertEquals(sent.path, "/v1/messages");
  assertEquals(sent.headers.get("x-api-key"), "sk-upstream-secret-0123456789");
  assertEquals(sent.headers.get("anthropic-version"), "2023-06-01");
  assert(!sent.headers.has("authorization"));

  const final = await client.beta.messages.stream({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
    betas: ["interleaved-thinking-2025-05-14"],
  }).finalMessage();
  assertEquals(final.content[0].type === "text" && final.content[0].text, "Bonjour");
  assertEquals(up.last().path, "/v1/messages?beta=true");
  assertEquals(up.last().headers.get("anthropic-beta"), "interleaved-thinking-2025-05-14");

  const res = await fetch(`${proxy.url}/v1/messages?beta=true`, {
    method: "POST",
    headers: { "x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-x", stream: true, max_tokens: 5, messages: [] }),
  });
  assertEquals(await rawBytes(res), events.join(""));
});

Deno.test("an upstream 4xx goes back as it is, the provider key masked", async () => {
  const leak = JSON.stringify({
    error: {
      message: "Incorrect API key provided: sk-upstream-secret-0123456789",
      type: "invalid_request_error",
    },
  });
  await using up = fakeUpstream(() => jsonResponse(leak, 400));
  await using proxy = startProxy(oneProvider("openai", up.url));
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [] }),
  });
  assertEquals(res.status, 400);
  const text = await res.text();
  assert(!text.includes("sk-upstream-secret-0123456789"), text);
  assert(text.includes("sk-…6789"), text);
});

Deno.test("responses, completions, embeddings and count_tokens pass through to their upstream routes", async () => {
  await using up = fakeUpstream((r) =>
    jsonResponse(
      JSON.stringify({ path: r.path, object: "x", usage: { input_tokens: 3, output_tokens: 4 } }),
    )
  );
  await using proxy = startProxy({
    providers: {
      oa: { type: "openai", base_url: `${up.url}/v1` },
      an: { type: "anthropic", base_url: up.url },
    },
    models: { "gpt-*": ["oa/*"], "claude-*": ["an/*"] },
  });
  const post = (path: string, body: Record<string, unknown>) =>
    fetch(`${proxy.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) =>
      r.json()
    );
  assertEquals(
    (await post("/v1/responses", { model: "gpt-5", input: "hi" })).path,
    "/v1/responses",
  );
  assertEquals((await post("/responses", { model: "gpt-5", input: [] })).path, "/v1/responses");
  assertEquals(
    (await post("/v1/completions", { model: "gpt-3.5-turbo-instruct", prompt: "x" })).path,
    "/v1/completions",
  );
  assertEquals(
    (await post("/v1/embeddings", { model: "gpt-emb", input: "x" })).path,
    "/v1/embeddings",
  );
  assertEquals(
    (await post("/openai/v1/chat/completions", { model: "gpt-4o", messages: [] })).path,
    "/v1/chat/completions",
  );
  assertEquals(
    (await post("/v1/messages/count_tokens", { model: "claude-x", messages: [] })).path,
    "/v1/messages/count_tokens",
  );
  assertEquals(
    (await post("/anthropic/v1/messages", { model: "claude-x", messages: [] })).path,
    "/v1/messages",
  );
});

Deno.test("openai SDK responses.create and streaming pass through", async () => {
  const completed = {
    id: "resp_1",
    object: "response",
    status: "completed",
    model: "gpt-5",
    output: [{
      type: "message",
      id: "msg_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "hey", annotations: [] }],
    }],
    usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 },
  };
  const events = [
    `event: response.created\ndata: ${
      JSON.stringify({
        type: "response.created",
        sequence_number: 0,
        response: { ...completed, status: "in_progress", output: [] },
      })
    }\n\n`,
    `event: response.output_text.delta\ndata: ${
      JSON.stringify({
        type: "response.output_text.delta",
        sequence_number: 1,
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        delta: "hey",
      })
    }\n\n`,
    `event: response.completed\ndata: ${
      JSON.stringify({ type: "response.completed", sequence_number: 2, response: completed })
    }\n\n`,
  ];
  await using up = fakeUpstream((r) =>
    r.json.stream ? sseResponse(chunkedBody(events)) : jsonResponse(JSON.stringify(completed))
  );
  await using proxy = startProxy(oneProvider("openai", up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: CLIENT_KEY });
  const r = await ai.responses.create({ model: "gpt-5", input: "hi" });
  assertEquals(r.output_text, "hey");
  let deltas = "";
  for await (const ev of await ai.responses.create({ model: "gpt-5", input: "hi", stream: true })) {
    if (ev.type === "response.output_text.delta") deltas += ev.delta;
  }
  assertEquals(deltas, "hey");
});

Deno.test("count_tokens for a model without an Anthropic deployment: a local estimate", async () => {
  await using proxy = startProxy({
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"] },
  });
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const r = await client.messages.countTokens({
    model: "echo",
    messages: [{ role: "user", content: "x".repeat(400) }],
  });
  assertEquals(r.input_tokens, 100);
});

Deno.test("/v1/models lists configured names in OpenAI's and Anthropic's formats; health and HEAD / answer", async () => {
  await using proxy = startProxy({
    server: { api_keys: ["k1"] },
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"], fast: ["e/echo"], "glob-*": ["e/*"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k1" });
  const ids = [];
  for await (const m of ai.models.list()) ids.push(m.id);
  assertEquals(ids, ["echo", "fast"]);
  const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "k1" });
  const page = await anthropic.models.list();
  assertEquals(page.data.map((m) => m.id), ["echo", "fast"]);
  assertEquals(await (await fetch(`${proxy.url}/health`)).json(), { status: "ok" });
  assertEquals((await fetch(`${proxy.url}/health/ready`)).status, 200);
  const head = await fetch(`${proxy.url}/`, { method: "HEAD" });
  assertEquals(head.status, 200);
  assert(head.headers.get("x-request-id"));
});

Deno.test("echo answers both SDKs, streamed and not, and keeps the client's x-request-id", async () => {
  await using proxy = startProxy({
    providers: { echo: { type: "echo" } },
    models: { echo: ["echo/echo"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const { data, response } = await ai.chat.completions
    .create({ model: "echo", messages: [{ role: "user", content: "ping pong" }] }, {
      headers: { "x-request-id": "mine-1" },
    })
    .withResponse();
  assertEquals(data.choices[0].message.content, "ping pong");
  assertEquals(response.headers.get("x-request-id"), "mine-1");
  const streamed = await ai.chat.completions.stream({
    model: "echo",
    messages: [{ role: "user", content: "a b c" }],
  }).finalContent();
  assertEquals(streamed, "a b c");
  const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const msg = await anthropic.messages.stream({
    model: "echo",
    max_tokens: 9,
    messages: [{ role: "user", content: [{ type: "text", text: "hello you" }] }],
  }).finalMessage();
  assertEquals(msg.content[0].type === "text" && msg.content[0].text, "hello you");
});
