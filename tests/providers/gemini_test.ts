/**
 * `type: gemini` (SPEC §16) against a mock that speaks Gemini's
 * `generateContent` as Google does (the key in `x-goog-api-key`, SSE with
 * `alt=sse`, thoughts as `thought: true` parts, function calls without ids,
 * `usageMetadata`): OpenAI and Anthropic clients, through their SDKs, get
 * text, streams, thinking, a tool round trip, images and exact usage.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals } from "../support/assert.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream, type Received } from "../support/upstream.ts";
import { jsonResponse, sseResponse } from "../support/wire.ts";

type Json = Record<string, unknown>;

const KEY = "AIzaSyD-gemini-key-0123456789abcdefghijk";
const USAGE = {
  promptTokenCount: 100,
  candidatesTokenCount: 20,
  thoughtsTokenCount: 30,
  cachedContentTokenCount: 40,
  totalTokenCount: 150,
};

/** What Gemini would answer: a function call when tools are offered and none answered yet. */
function answerFor(r: Received): Json[] {
  const contents = r.json.contents as Json[];
  const answered = contents.some((c) => (c.parts as Json[]).some((p) => p.functionResponse));
  if (r.json.tools && !answered) {
    return [{
      functionCall: { name: "get_weather", args: { city: "Paris" } },
      thoughtSignature: "c2lnLWdlbWluaS0x",
    }];
  }
  if (answered) return [{ text: "It is sunny in Paris." }];
  if (JSON.stringify(contents).includes("blocked")) return [];
  if (JSON.stringify(contents).includes('"cut"')) return [{ text: "half" }];
  return [{ text: "Let me think.", thought: true }, { text: "Hello " }, { text: "there" }];
}

function gemini() {
  return fakeUpstream((r) => {
    const url = new URL(`http://x${r.path}`);
    if (r.headers.get("x-goog-api-key") !== KEY || r.headers.has("authorization")) {
      const error = { code: 403, message: "API key not valid", status: "PERMISSION_DENIED" };
      return jsonResponse(JSON.stringify({ error }), 403);
    }
    const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(
      url.pathname,
    );
    if (!m) {
      return jsonResponse(
        JSON.stringify({ error: { code: 404, message: "not found", status: "NOT_FOUND" } }),
        404,
      );
    }
    const head = { modelVersion: `${m[1]}-001`, responseId: "resp-gemini-1" };
    const parts = answerFor(r);
    if (parts.length === 0) {
      return jsonResponse(JSON.stringify({ promptFeedback: { blockReason: "SAFETY" }, ...head }));
    }
    if (m[2] === "generateContent") {
      return jsonResponse(JSON.stringify({
        candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
        usageMetadata: USAGE,
        ...head,
      }));
    }
    assertEquals(url.searchParams.get("alt"), "sse");
    const events = parts.map((p, i) =>
      `data: ${
        JSON.stringify({
          candidates: [{
            content: { role: "model", parts: [p] },
            ...(i === parts.length - 1 && p.text !== "half" ? { finishReason: "STOP" } : {}),
          }],
          usageMetadata: i === parts.length - 1 ? USAGE : { promptTokenCount: 100 },
          ...head,
        })
      }\r\n\r\n`
    );
    return sseResponse(events.join(""));
  });
}

function config(url: string) {
  return {
    providers: { g: { type: "gemini", base_url: `${url}/v1beta`, api_key: KEY } },
    models: { smart: ["g/gemini-2.5-pro"] },
  };
}

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

Deno.test("gemini: an OpenAI chat client gets text, thoughts as reasoning_content and exact usage; its request as Gemini's", async () => {
  await using up = gemini();
  await using proxy = startProxy(config(up.url));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const pixel =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const answer = await client.chat.completions.create({
    model: "smart",
    max_completion_tokens: 300,
    temperature: 0.2,
    reasoning_effort: "low",
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
        ],
      },
    ],
  });
  const message = answer.choices[0].message as typeof answer.choices[0]["message"] & {
    reasoning_content?: string;
  };
  assertEquals(message.content, "Hello there");
  assertEquals(message.reasoning_content, "Let me think.");
  assertEquals(answer.choices[0].finish_reason, "stop");
  assertEquals(answer.model, "gemini-2.5-pro-001");
  assertEquals([answer.usage?.prompt_tokens, answer.usage?.completion_tokens], [100, 50]);
  assertEquals(up.last().path, "/v1beta/models/gemini-2.5-pro:generateContent");
  assertEquals(up.last().json, {
    contents: [{
      role: "user",
      parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: pixel } }],
    }],
    systemInstruction: { parts: [{ text: "Be brief." }] },
    generationConfig: {
      temperature: 0.2,
      maxOutputTokens: 300,
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    },
  });
  const record = proxy.records.at(-1)!;
  assertEquals(record.usage, {
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
    cache_read_tokens: 40,
    cache_write_tokens: 0,
    reasoning_tokens: 30,
  });
});

Deno.test("gemini: streams for OpenAI and Anthropic clients, whole and with usage", async () => {
  await using up = gemini();
  await using proxy = startProxy(config(up.url));
  let text = "";
  let reasoning = "";
  let usage: Json | undefined;
  const stream = await new OpenAI({ baseURL: proxy.v1, apiKey: "k" }).chat.completions.create({
    model: "smart",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "hi" }],
  });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as
      | { content?: string; reasoning_content?: string }
      | undefined;
    text += delta?.content ?? "";
    reasoning += delta?.reasoning_content ?? "";
    if (chunk.usage) usage = chunk.usage as unknown as Json;
  }
  assertEquals([text, reasoning], ["Hello there", "Let me think."]);
  assertEquals([usage?.prompt_tokens, usage?.completion_tokens], [100, 50]);
  assertEquals(up.last().path, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");

  const message = await new Anthropic({ baseURL: proxy.url, apiKey: "k" }).messages.stream({
    model: "smart",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
  }).finalMessage();
  const texts = message.content.filter((b) => b.type === "text").map((b) =>
    (b as { text: string }).text
  );
  assertEquals(texts.join(""), "Hello there");
  assert(message.content.some((b) => b.type === "thinking"), "the thought as a thinking block");
  assertEquals(message.usage.output_tokens, 50);
});

Deno.test("gemini: a tool round trip — Gemini's id-less call given one, its result sent back as functionResponse", async () => {
  await using up = gemini();
  await using proxy = startProxy(config(up.url));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const ask = [{ role: "user" as const, content: "Weather in Paris?" }];
  const first = await client.chat.completions.create({
    model: "smart",
    tools: [weather],
    messages: ask,
  });
  const call = first.choices[0].message.tool_calls![0] as {
    id: string;
    function: { name: string; arguments: string };
  };
  assertEquals(first.choices[0].finish_reason, "tool_calls");
  assertEquals([call.function.name, JSON.parse(call.function.arguments)], ["get_weather", {
    city: "Paris",
  }]);
  assert(call.id.length > 0, "an id made up for the call");
  assertEquals(up.last().json.tools, [{
    functionDeclarations: [{
      name: "get_weather",
      description: "The weather in a city",
      parametersJsonSchema: weather.function.parameters,
    }],
  }]);
  const second = await client.chat.completions.create({
    model: "smart",
    tools: [weather],
    messages: [
      ...ask,
      first.choices[0].message,
      { role: "tool", tool_call_id: call.id, content: '{"sky":"sunny"}' },
    ],
  });
  assertEquals(second.choices[0].message.content, "It is sunny in Paris.");
  assertEquals((up.last().json.contents as Json[]).slice(1), [
    {
      role: "model",
      // Gemini's thought signature goes back with its call, as Gemini requires.
      parts: [{
        functionCall: { id: call.id, name: "get_weather", args: { city: "Paris" } },
        thoughtSignature: "c2lnLWdlbWluaS0x",
      }],
    },
    {
      role: "user",
      parts: [{
        functionResponse: { id: call.id, name: "get_weather", response: { sky: "sunny" } },
      }],
    },
  ]);
});

Deno.test("gemini: a refused key is a failed attempt (403 falls back, as routing.fallback_on says), reported in the client's format; check wants a key", async () => {
  await using up = gemini();
  await using proxy = startProxy({
    providers: {
      g: {
        type: "gemini",
        base_url: `${up.url}/v1beta`,
        api_key: "AIza-wrong-key-000000000000000000000",
      },
    },
    models: { smart: ["g/gemini-2.5-pro"] },
  });
  try {
    await new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 }).messages.create({
      model: "smart",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    throw new Error("answered");
  } catch (err) {
    const e = err as InstanceType<typeof Anthropic.APIError>;
    // Every deployment failed: 502 listing each attempt, in Anthropic's envelope.
    assertEquals(e.status, 502);
    const body = (e.error as { error: Json }).error;
    assertEquals(body.type, "api_error");
    assert(String(body.message).includes("403"), String(body.message));
    assert(!String(body.message).includes("AIza-wrong"), "the key is not echoed");
  }
  let refused = "";
  try {
    startProxy({ providers: { g: { type: "gemini" } }, models: { m: ["g/x"] } });
  } catch (err) {
    refused = String(err);
  }
  assert(refused.includes("type gemini needs api_key"), refused);
});

Deno.test("gemini: a blocked prompt is a content filter; a stream that closes before its finishReason ends with an error event", async () => {
  await using up = gemini();
  await using proxy = startProxy(config(up.url));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const blocked = await client.chat.completions.create({
    model: "smart",
    messages: [{ role: "user", content: "blocked" }],
  });
  assertEquals(blocked.choices[0].finish_reason, "content_filter");
  const r = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "smart",
      stream: true,
      messages: [{ role: "user", content: "cut" }],
    }),
  });
  const text = await r.text();
  assert(/data: \{"error":\{[^\n]*finishReason/.test(text), text);
});
