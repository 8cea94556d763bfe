import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { clientRequest } from "../support/fixtures.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { oneProvider, startProxy } from "../support/proxy.ts";
import { chunkedBody, fakeUpstream, type Received } from "../support/upstream.ts";
import {
  anthropicError,
  anthropicJSON,
  anthropicStream,
  jsonResponse,
  ollamaJSON,
  ollamaLines,
  openAIChatJSON,
  openAIStream,
  type Part,
  sseResponse,
} from "../support/wire.ts";

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** An upstream of one format whose answer depends on the request (scripted per test). */
function upstream(answer: (r: Received) => Response) {
  return fakeUpstream(answer);
}

/** One provider of `type` serving every model, tried once. */
function proxyTo(type: string, url: string, extra: Record<string, unknown> = {}) {
  return startProxy({ ...oneProvider(type, url, undefined, { retry: { attempts: 1 } }), ...extra });
}

Deno.test("OpenAI SDK → Anthropic upstream: request translated, answer as a chat.completion, usage mapped", async () => {
  await using up = upstream(() =>
    jsonResponse(anthropicJSON("Bonjour!", { input: 10, output: 4, cacheRead: 5, cacheWrite: 2 }))
  );
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "claude-x",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }],
    temperature: 0.5,
    stop: "END",
    user: "u-1",
  });
  assertEquals(r.object, "chat.completion");
  assertEquals(r.choices[0].message.content, "Bonjour!");
  assertEquals(r.choices[0].finish_reason, "stop");
  assertEquals(r.usage?.prompt_tokens, 17);
  assertEquals(r.usage?.completion_tokens, 4);
  assertEquals(r.usage?.prompt_tokens_details?.cached_tokens, 5);
  const sent = up.last();
  assertEquals(sent.path, "/v1/messages");
  assertEquals(sent.json, {
    model: "claude-x",
    max_tokens: 4096,
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    system: [{ type: "text", text: "Be brief." }],
    temperature: 0.5,
    stop_sequences: ["END"],
    metadata: { user_id: "u-1" },
  });
  assertEquals(sent.headers.get("x-api-key"), "sk-upstream-secret-0123456789");
});

Deno.test("OpenAI SDK → Anthropic upstream, streamed: text deltas as they come, tools via runTools", async () => {
  await using up = upstream((r) => {
    const msgs = r.json.messages as { content: { type: string }[] }[];
    const answered = msgs.at(-1)!.content.some((b) => b.type === "tool_result");
    const parts: Part[] = answered
      ? [{ text: ["It is ", "sunny."] }]
      : [{ text: ["Let me check."] }, {
        tool: { id: "toolu_01A", name: "get_weather", args: ['{"ci', 'ty": "Paris"}'] },
      }];
    return sseResponse(chunkedBody(anthropicStream(parts)));
  });
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const runner = ai.chat.completions.runTools({
    model: "claude-x",
    stream: true,
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
        },
        function: (args: { city: string }) => `sunny in ${args.city}`,
        parse: JSON.parse,
      },
    }],
  });
  assertEquals(await runner.finalContent(), "It is sunny.");
  assertEquals(up.received.length, 2);
  const first = up.received[0].json;
  assertEquals(first.stream, true);
  assertEquals(first.tools, [{
    name: "get_weather",
    description: "Weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  }]);
  const second = up.received[1].json.messages as { role: string; content: unknown }[];
  assertEquals(second.at(-2), {
    role: "assistant",
    content: [
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
    ],
  });
  assertEquals(second.at(-1), {
    role: "user",
    content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "sunny in Paris" }],
  });
});

Deno.test("OpenAI stream from Anthropic: chunk sequence, reasoning_content, tool call deltas, usage chunk when asked", async () => {
  await using up = upstream(() =>
    sseResponse(chunkedBody(anthropicStream([
      { thinking: ["Hmm, ", "weather."] },
      { tool: { id: "toolu_9", name: "get_weather", args: ['{"city":', '"Oslo"}'] } },
    ], { input: 30, output: 15 })))
  );
  await using proxy = proxyTo("anthropic", up.url);
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "c",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "?" }],
      tools: [WEATHER_TOOL],
      reasoning_effort: "low",
    }),
  });
  assertEquals(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = (await res.text()).trim().split("\n\n");
  assertEquals(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  const deltas = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta);
  assertEquals(deltas[0].role, "assistant");
  assertEquals(
    deltas.filter((d) => d.reasoning_content).map((d) => d.reasoning_content).join(""),
    "Hmm, weather.",
  );
  const calls = deltas.flatMap((d) => d.tool_calls ?? []);
  assertEquals(calls[0], {
    index: 0,
    id: "toolu_9",
    type: "function",
    function: { name: "get_weather", arguments: "" },
  });
  assertEquals(calls.slice(1).map((c) => c.function.arguments).join(""), '{"city":"Oslo"}');
  assertEquals(
    chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason,
    "tool_calls",
  );
  assertEquals(chunks.at(-1).usage.prompt_tokens, 30);
  assertEquals(chunks.at(-1).usage.completion_tokens, 15);
  const sent = up.last().json;
  assertEquals(sent.thinking, { type: "enabled", budget_tokens: 2048 });
  assertEquals(sent.max_tokens, 2048 + 4096);
});

Deno.test("Anthropic SDK → OpenAI upstream: system blocks, tool round trip, streaming helper, stop and usage", async () => {
  await using up = upstream((r) => {
    const msgs = r.json.messages as { role: string }[];
    const parts: Part[] = msgs.at(-1)!.role === "tool"
      ? [{ thinking: ["Considering."] }, { text: ["Sunny ", "in Zürich."] }]
      : [{ tool: { id: "call_abc", name: "get_weather", args: ['{"city"', ':"Zürich"}'] } }];
    return sseResponse(chunkedBody(openAIStream(parts, { input: 40, output: 8, cacheRead: 16 })));
  });
  await using proxy = proxyTo("openai", up.url);
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const tools = [{
    name: "get_weather",
    description: "Weather",
    input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
  }];
  const first = await client.messages.stream({
    model: "gpt-4o",
    max_tokens: 300,
    system: [{ type: "text", text: "You are helpful.", cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: "weather?" }],
    tools,
  }).finalMessage();
  assertEquals(first.stop_reason, "tool_use");
  const use = first.content.find((b) => b.type === "tool_use")!;
  assert(use.type === "tool_use");
  assertEquals([use.id, use.name, use.input], ["call_abc", "get_weather", { city: "Zürich" }]);
  assertEquals(first.usage.input_tokens, 24, "uncached input: 40 - 16 cached");
  assertEquals(first.usage.cache_read_input_tokens, 16);
  assertEquals(first.usage.output_tokens, 8);
  const sent = up.last().json;
  assertEquals(sent.messages, [{ role: "system", content: "You are helpful." }, {
    role: "user",
    content: "weather?",
  }]);
  assertEquals(sent.stream_options, { include_usage: true });
  assertEquals(sent.tools, [{
    type: "function",
    function: { name: "get_weather", description: "Weather", parameters: tools[0].input_schema },
  }]);

  const second = await client.messages.stream({
    model: "gpt-4o",
    max_tokens: 300,
    messages: [
      { role: "user", content: "weather?" },
      { role: "assistant", content: first.content.filter((b) => b.type === "tool_use") },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "call_abc", content: "sunny" }],
      },
    ],
    tools,
  }).finalMessage();
  assertEquals(second.content.map((b) => b.type), ["thinking", "text"]);
  assertEquals(second.content[1].type === "text" && second.content[1].text, "Sunny in Zürich.");
  assertEquals(second.stop_reason, "end_turn");
  const replay = up.last().json.messages as Record<string, unknown>[];
  assertEquals(replay.slice(1), [
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_abc",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Zürich"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_abc", content: "sunny" },
  ]);
});

Deno.test("Anthropic SDK → OpenAI upstream, not streamed; images both ways", async () => {
  await using up = upstream(() => jsonResponse(openAIChatJSON("A red dot.")));
  await using proxy = proxyTo("openai", up.url);
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.create({
    model: "gpt-4o",
    max_tokens: 50,
    messages: [{
      role: "user",
      content: [
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
        { type: "image", source: { type: "url", url: "https://example.com/dot.png" } },
        { type: "text", text: "What is this?" },
      ],
    }],
  });
  assertEquals(m.type, "message");
  assertEquals(m.content, [{ type: "text", text: "A red dot." }]);
  assertEquals(m.usage.input_tokens, 9);
  assertEquals((up.last().json.messages as unknown[])[0], {
    role: "user",
    content: [
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/dot.png" } },
      { type: "text", text: "What is this?" },
    ],
  });

  await using up2 = upstream(() => jsonResponse(anthropicJSON("A dot.")));
  await using proxy2 = proxyTo("anthropic", up2.url);
  const ai = new OpenAI({ baseURL: proxy2.v1, apiKey: "k" });
  await ai.chat.completions.create({
    model: "c",
    messages: [{
      role: "user",
      content: [{ type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } }, {
        type: "text",
        text: "?",
      }],
    }],
  });
  assertEquals((up2.last().json.messages as { content: unknown[] }[])[0].content[0], {
    type: "image",
    source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" },
  });
});

Deno.test("upstream errors come back in the client's format with the upstream's status", async () => {
  await using an = upstream(() =>
    jsonResponse(anthropicError("invalid_request_error", "max_tokens: too large"), 400)
  );
  await using proxy = proxyTo("anthropic", an.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const err = await ai.chat.completions.create({
    model: "c",
    messages: [{ role: "user", content: "x" }],
  }).catch((e) => e);
  assert(err instanceof OpenAI.BadRequestError);
  assertMatch(err.message, /max_tokens: too large/);

  await using oa = upstream(() =>
    jsonResponse(
      JSON.stringify({
        error: {
          message: "The model `nope` does not exist",
          type: "invalid_request_error",
          code: "model_not_found",
        },
      }),
      404,
    )
  );
  await using proxy2 = proxyTo("openai", oa.url);
  const client = new Anthropic({ baseURL: proxy2.url, apiKey: "k", maxRetries: 0 });
  const aerr = await client.messages.create({
    model: "nope",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  }).catch((e) => e);
  assert(aerr instanceof Anthropic.NotFoundError);
  assertEquals((aerr.error as { error: { type: string } }).error.type, "not_found_error");
  assertMatch(aerr.message, /does not exist/);
});

Deno.test("routing.translate: false keeps each endpoint to its own format, with a 404 that says why", async () => {
  await using up = upstream(() => jsonResponse(anthropicJSON("x")));
  await using proxy = proxyTo("anthropic", up.url, { routing: { translate: false } });
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "c", messages: [] }),
  });
  assertEquals(res.status, 404);
  assertMatch(
    (await res.json()).error.message,
    /no deployment that serves \/v1\/chat\/completions in its own format \(routing\.translate is false\)/,
  );
  assertEquals(up.received.length, 0);
});

Deno.test("Claude Code's request (fixture) to an OpenAI upstream: translated, extras dropped, no Anthropic query or headers", async () => {
  const fixture = await clientRequest("claude-code-messages");
  const recorded = fixture.requests.find((r: { method: string }) => r.method === "POST");
  await using up = upstream(() =>
    sseResponse(
      chunkedBody(
        openAIStream([{ text: ["I'll read ", "note.txt."] }], { input: 5000, output: 7 }),
      ),
    )
  );
  await using proxy = proxyTo("openai", up.url);
  const head = await fetch(`${proxy.url}/`, { method: "HEAD" });
  assertEquals(head.status, 200);
  const client = new Anthropic({
    baseURL: proxy.url,
    apiKey: "k",
    defaultHeaders: { "anthropic-beta": recorded.headers["anthropic-beta"], "x-app": "cli" },
  });
  const m = await client.beta.messages.stream(recorded.body).finalMessage();
  assertEquals(m.content[0].type === "text" && m.content[0].text, "I'll read note.txt.");
  assertEquals(m.usage.input_tokens, 5000);
  const sent = up.last();
  assertEquals(sent.path, "/chat/completions");
  assert(![...sent.headers.keys()].some((h) => h.startsWith("anthropic-")));
  assertEquals(sent.headers.get("x-app"), "cli");
  const chat = sent.json;
  const allowed = [
    "model",
    "messages",
    "max_tokens",
    "stream",
    "stream_options",
    "user",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "stop",
    "reasoning_effort",
  ];
  for (const key of Object.keys(chat)) {
    assert(allowed.includes(key), `unexpected chat field ${key}`);
  }
  assertEquals((chat.messages as { role: string }[])[0].role, "system");
  assertEquals((chat.tools as unknown[]).length, recorded.body.tools.length);
  assertEquals(chat.user, recorded.body.metadata.user_id);
});

Deno.test("Ollama: chat streamed and not, from both SDKs; the model prefix goes; embeddings via /api/embed", async () => {
  await using up = upstream((r) => {
    if (r.path === "/api/embed") {
      return jsonResponse(
        JSON.stringify({
          model: "nomic",
          embeddings: [[0.5, -1.25], [2, 0]],
          total_duration: 1,
          load_duration: 1,
          prompt_eval_count: 6,
        }),
      );
    }
    if (r.json.stream) {
      const calls = (r.json.tools as unknown[] | undefined)?.length
        ? [{ name: "get_weather", arguments: { city: "Rome" } }]
        : [];
      return new Response(chunkedBody(ollamaLines(calls.length ? [] : ["Ciao", " mondo"], calls)), {
        headers: { "content-type": "application/x-ndjson" },
      });
    }
    return jsonResponse(ollamaJSON("Ciao!"));
  });
  await using proxy = startProxy({
    providers: { ollama: { type: "ollama", base_url: up.url } },
    models: { "ollama/*": ["ollama/*"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "ollama/llama3.2",
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0.1,
    max_tokens: 20,
  });
  assertEquals(r.choices[0].message.content, "Ciao!");
  assertEquals(r.usage?.prompt_tokens, 26);
  assertEquals(up.last().path, "/api/chat");
  assertEquals(up.last().json, {
    model: "llama3.2",
    messages: [{ role: "user", content: "Hi" }],
    stream: false,
    options: { temperature: 0.1, num_predict: 20 },
  });
  assertEquals(
    await ai.chat.completions.stream({
      model: "ollama/llama3.2",
      messages: [{ role: "user", content: "Hi" }],
    }).finalContent(),
    "Ciao mondo",
  );
  const call = await ai.chat.completions.stream({
    model: "ollama/llama3.2",
    messages: [{ role: "user", content: "?" }],
    tools: [WEATHER_TOOL],
  }).finalMessage();
  const [toolCall] = call.tool_calls ?? [];
  assertEquals(toolCall?.type === "function" && toolCall.function, {
    name: "get_weather",
    arguments: '{"city":"Rome"}',
  });

  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.stream({
    model: "ollama/llama3.2",
    max_tokens: 10,
    messages: [{ role: "user", content: "Hi" }],
  }).finalMessage();
  assertEquals(m.content[0].type === "text" && m.content[0].text, "Ciao mondo");
  assertEquals(m.usage.output_tokens, 7);

  const emb = await ai.embeddings.create({ model: "ollama/nomic", input: ["a", "b"] });
  assertEquals(emb.data.map((d) => d.embedding), [[0.5, -1.25], [2, 0]]);
  assertEquals(emb.usage.prompt_tokens, 6);
  assertEquals(up.last().json, { model: "nomic", input: ["a", "b"] });
});

Deno.test("splitter across formats: main on Anthropic, companion on an OpenAI-compatible model, both endpoints", async () => {
  await using an = upstream((r) =>
    r.json.stream
      ? sseResponse(chunkedBody(anthropicStream([{ text: ["Main."] }])))
      : jsonResponse(anthropicJSON("Main."))
  );
  await using oa = upstream((r) =>
    r.json.stream
      ? sseResponse(chunkedBody(openAIStream([{ text: ["Fixed."] }], null)))
      : jsonResponse(openAIChatJSON("Fixed."))
  );
  await using proxy = startProxy({
    providers: {
      an: { type: "anthropic", base_url: an.url },
      oa: { type: "openai", base_url: oa.url },
    },
    models: { "claude-main": ["an/claude-main"], cheap: ["oa/gpt-4o-mini"] },
    splitter: { models: ["claude-main"], model: "cheap", separator: " | " },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const msg = [{ role: "user" as const, content: "fix me" }];
  assertEquals(
    (await ai.chat.completions.create({ model: "claude-main", messages: msg })).choices[0].message
      .content,
    "Main. | Fixed.",
  );
  assertEquals(
    await ai.chat.completions.stream({ model: "claude-main", messages: msg }).finalContent(),
    "Main. | Fixed.",
  );
  const m = await client.messages.create({ model: "claude-main", max_tokens: 9, messages: msg });
  assertEquals(m.content[0].type === "text" && m.content[0].text, "Main. | Fixed.");
  const s = await client.messages.stream({ model: "claude-main", max_tokens: 9, messages: msg })
    .finalMessage();
  assertEquals(s.content.map((b) => b.type === "text" && b.text).join(""), "Main. | Fixed.");
  assertEquals(oa.last().path, "/chat/completions");
  assertEquals(
    (oa.last().json.messages as { content: string }[])[0].content,
    "Correct the grammar in this text: fix me",
  );
});
