/**
 * Nothing dropped without a word: images in tool results, PDFs, failed tool
 * results, refusals, JSON answers and the blocks a same-format rewrite must
 * leave alone — each carried where the target can express it, a 400 naming
 * it where it cannot.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { oneProvider, startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import {
  ANSWER,
  anthropicAPI,
  anthropicRefusal,
  chatAPI,
  signatureOf,
  THOUGHT,
  WEATHER_TOOL,
} from "../support/validating.ts";
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  openAIStream,
  sseResponse,
} from "../support/wire.ts";

type Json = Record<string, unknown>;

function proxyTo(type: string, url: string, extra: Record<string, unknown> = {}) {
  return startProxy({ ...oneProvider(type, url, undefined, { retry: { attempts: 1 } }), ...extra });
}

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF =
  "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0Y=";
const tools = [{
  name: "get_weather",
  description: "Weather for a city",
  input_schema: WEATHER_TOOL.parameters,
}];

Deno.test("Anthropic client → OpenAI upstream: a tool result's image follows the tool message, a PDF is a file part, a failed result says so", async () => {
  await using up = chatAPI("openai");
  await using proxy = proxyTo("openai", up.url);
  const ai = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const r = await ai.messages.create({
    model: "gpt-4o",
    max_tokens: 512,
    tools,
    messages: [
      { role: "user", content: "Weather in Paris and Lyon? See the map." },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Lyon" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [
              { type: "text", text: "sunny" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            ],
          },
          {
            type: "tool_result",
            tool_use_id: "toolu_2",
            content: "station offline",
            is_error: true,
          },
          {
            type: "document",
            source: { type: "base64", media_type: "application/pdf", data: PDF },
            title: "map.pdf",
          },
        ],
      },
    ],
  });
  assertEquals(r.content, [{ type: "text", text: ANSWER }]);
  const sent = up.last().json.messages as Json[];
  assertEquals(sent.slice(2), [
    { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
    { role: "tool", tool_call_id: "toolu_2", content: "[tool error] station offline" },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
        {
          type: "file",
          file: { filename: "map.pdf", file_data: `data:application/pdf;base64,${PDF}` },
        },
      ],
    },
  ]);
});

Deno.test("OpenAI client → Anthropic upstream: a file part is a document, '[tool error] ' is is_error; Responses tool outputs keep their images", async () => {
  await using up = anthropicAPI();
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const r = await ai.chat.completions.create({
    model: "claude-x",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Weather where the map says?" },
          {
            type: "file",
            file: { filename: "map.pdf", file_data: `data:application/pdf;base64,${PDF}` },
          },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Lyon"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: "[tool error] station offline" },
    ],
  });
  assertEquals(r.choices[0].message.content, ANSWER);
  const sent = up.last().json.messages as Json[];
  assertEquals((sent[0].content as Json[])[1], {
    type: "document",
    source: { type: "base64", media_type: "application/pdf", data: PDF },
  });
  assertEquals((sent[2].content as Json[])[0], {
    type: "tool_result",
    tool_use_id: "call_1",
    content: "station offline",
    is_error: true,
  });

  // The answer's way back: an Anthropic client's failed result reaches a chat client flagged.
  const out = await ai.responses.create({
    model: "claude-x",
    input: [
      { role: "user", content: "Weather?" },
      {
        type: "function_call",
        call_id: "call_2",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      },
      {
        type: "function_call_output",
        call_id: "call_2",
        output: [
          { type: "input_text", text: "sunny, see the radar" },
          { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "auto" },
        ],
      },
    ],
  });
  assertEquals(out.output_text, ANSWER);
  const turn = (up.last().json.messages as Json[])[2].content as Json[];
  assertEquals(turn.map((b) => b.type), ["tool_result", "image"]);
  assertEquals(turn[0].content, "sunny, see the radar");
});

Deno.test("content a provider cannot take is a 400 naming it, in the client's format, and never sent", async () => {
  await using openai = chatAPI("openai");
  await using proxy = proxyTo("openai", openai.url);
  const r = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      model: "gpt-4o",
      max_tokens: 10,
      messages: [{
        role: "user",
        content: [{ type: "document", source: { type: "url", url: "https://example.com/a.pdf" } }],
      }],
    }),
  });
  assertEquals(r.status, 400);
  const body = await r.json();
  assertEquals(body.type, "error");
  assertEquals(body.error.type, "invalid_request_error");
  assertMatch(body.error.message, /cannot be translated.*a document of source type 'url'/);

  await using anthropic = anthropicAPI();
  await using proxy2 = proxyTo("anthropic", anthropic.url);
  const ai = new OpenAI({ baseURL: proxy2.v1, apiKey: "k", maxRetries: 0 });
  const err = await ai.chat.completions.create({
    model: "claude-x",
    messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }],
  }).catch((e) => e);
  assert(err instanceof OpenAI.BadRequestError);
  assertEquals(err.code, "untranslatable_content");
  assertMatch(err.message, /a file part without file_data \(file ids are OpenAI's\)/);

  await using ollama = fakeUpstream(() => jsonResponse("{}"));
  await using proxy3 = proxyTo("ollama", ollama.url);
  const r3 = await fetch(`${proxy3.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "llama3.2",
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
      }],
    }),
  });
  assertEquals(r3.status, 400);
  assertMatch(
    (await r3.json()).error.message,
    /an image by URL \(Ollama takes base64 images only\)/,
  );
  assertEquals([openai.received.length, anthropic.received.length, ollama.received.length], [
    0,
    0,
    0,
  ]);
});

const REFUSAL = ["I can't help", " with that."];

Deno.test("a streamed refusal reaches every client: Anthropic's as text with stop_reason refusal, OpenAI's through a response rewrite", async () => {
  await using up = fakeUpstream(() => sseResponse(openAIStream([{ refusal: REFUSAL }]).join("")));
  await using proxy = proxyTo("openai", up.url, {
    transforms: [{
      response_regex: [{ pattern: "secret", replace: "[x]" }],
    }],
  });
  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const ask = {
    model: "gpt-4o",
    max_tokens: 100,
    messages: [{ role: "user" as const, content: "Bad thing?" }],
  };
  const streamed = await claude.messages.stream(ask).finalMessage();
  assertEquals(streamed.content, [{ type: "text", text: REFUSAL.join("") }]);
  assertEquals(streamed.stop_reason, "refusal");

  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const message = await ai.chat.completions.stream({ model: "gpt-4o", messages: [ask.messages[0]] })
    .finalMessage();
  assertEquals(message.refusal, REFUSAL.join(""));
});

Deno.test("same-format Anthropic stream with a response rewrite: text changes, every other block passes as it came", async () => {
  const ev = (type: string, data: Json) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = anthropicStream([
    { thinking: [THOUGHT], signature: signatureOf(THOUGHT) },
    { redacted: "EmwKAhgBEgy3va3pzix" },
    { text: ["The code is SECRET", "-123, ok."] },
  ]);
  // A server tool's call and result, between the redacted block and the text, as Anthropic streams them.
  const server = [
    ev("content_block_start", {
      index: 2,
      content_block: { type: "server_tool_use", id: "srvtoolu_01", name: "web_search", input: {} },
    }),
    ev("content_block_delta", {
      index: 2,
      delta: { type: "input_json_delta", partial_json: '{"query":"code"}' },
    }),
    ev("content_block_stop", { index: 2 }),
    ev("content_block_start", {
      index: 3,
      content_block: {
        type: "web_search_tool_result",
        tool_use_id: "srvtoolu_01",
        content: [{
          type: "web_search_result",
          url: "https://example.com",
          title: "Codes",
          encrypted_content: "Eo8B",
          page_age: null,
        }],
      },
    }),
    ev("content_block_stop", { index: 3 }),
  ];
  const at = events.findIndex((e) => e.includes('"type":"text"'));
  const renumbered = events.slice(at).map((e) => e.replace(/"index":2/g, '"index":4'));
  const upstream = [...events.slice(0, at), ...server, ...renumbered];
  await using up = fakeUpstream(() => sseResponse(upstream.join("")));
  await using proxy = proxyTo("anthropic", up.url, {
    transforms: [{
      response_regex: [{ pattern: "SECRET-\\d+", replace: "[code]" }],
    }],
  });
  const raw = await (await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      model: "claude-x",
      max_tokens: 100,
      stream: true,
      messages: [{ role: "user", content: "?" }],
    }),
  })).text();
  const data = (text: string) =>
    text.split("\n\n").filter(Boolean).map((e) => JSON.parse(e.split("data: ")[1]));
  const got = data(raw);
  const sent = data(upstream.join(""));
  const notText = (e: Json) => (e.delta as Json | undefined)?.type !== "text_delta";
  assertEquals(got.filter(notText), sent.filter(notText));
  const text = got.filter((e) => !notText(e)).map((e) => (e.delta as Json).text).join("");
  assertEquals(text, "The code is [code], ok.");
});

Deno.test("JSON answers from Anthropic: response_format and text.format become a forced tool whose input is the answer, streamed and not", async () => {
  const schema = {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  };
  await using up = fakeUpstream((r) => {
    const refusal = anthropicRefusal(r.json);
    if (refusal) return jsonResponse(anthropicError("invalid_request_error", refusal), 400);
    const name = (r.json.tool_choice as Json).name as string;
    const parts = [{ tool: { id: "toolu_9", name, args: ['{"city":', '"Paris"}'] } }];
    return r.json.stream
      ? sseResponse(anthropicStream(parts).join(""))
      : jsonResponse(anthropicMessage(parts));
  });
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const ask = {
    model: "claude-x",
    // Thinking with a forced tool is refused: it goes, and the JSON still comes.
    reasoning_effort: "low" as const,
    messages: [{ role: "user" as const, content: "Capital of France, as JSON" }],
    response_format: {
      type: "json_schema" as const,
      json_schema: { name: "place", schema, strict: true },
    },
  };
  const plain = await ai.chat.completions.create(ask);
  assertEquals(JSON.parse(plain.choices[0].message.content!), { city: "Paris" });
  assertEquals(plain.choices[0].finish_reason, "stop");
  assertEquals(plain.choices[0].message.tool_calls, undefined);
  const sent = up.last().json;
  assertEquals(sent.tool_choice, { type: "tool", name: "structured_output" });
  assertEquals((sent.tools as Json[])[0].input_schema, schema);
  const streamed = await ai.chat.completions.stream(ask).finalContent();
  assertEquals(JSON.parse(streamed!), { city: "Paris" });

  const r = await ai.responses.create({
    model: "claude-x",
    input: "Capital of France, as JSON",
    text: { format: { type: "json_schema", name: "place", schema, strict: true } },
  });
  assertEquals(JSON.parse(r.output_text), { city: "Paris" });
});
