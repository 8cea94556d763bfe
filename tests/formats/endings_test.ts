/**
 * Honest endings: each stop in the client's own terms, a stream that lost
 * its end marker is a failure, an upstream's refusal keeps what the client's
 * SDK needs to back off, and the small things an SDK checks (ids, numbering,
 * names, statuses) are right.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { oneProvider, startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { anthropicAPI, WEATHER_TOOL } from "../support/validating.ts";
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  ollamaJSON,
  openAIChatMessage,
  openAIStream,
  sseResponse,
} from "../support/wire.ts";

type Json = Record<string, unknown>;

/** One provider of `type`, its settings `extra`, serving every model. */
function proxyTo(type: string, url: string, extra: Record<string, unknown> = {}) {
  return startProxy(oneProvider(type, url, undefined, extra));
}

const once = { retry: { attempts: 1 } };
const ask = { max_tokens: 100, messages: [{ role: "user" as const, content: "?" }] };
const text = [{ text: ["Partial", " answer"] }];

Deno.test("stops in the client's terms: a content filter is Anthropic's refusal and an incomplete Response; a full context window is a length stop", async () => {
  await using filtered = fakeUpstream((r) =>
    r.json.stream
      ? sseResponse(openAIStream(text, undefined, "gpt-4o", undefined, "content_filter").join(""))
      : jsonResponse(openAIChatMessage(text, undefined, "gpt-4o", undefined, "content_filter"))
  );
  await using proxy = proxyTo("openai", filtered.url, { ...once, responses: false });
  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  assertEquals((await claude.messages.create({ model: "gpt-4o", ...ask })).stop_reason, "refusal");
  assertEquals(
    (await claude.messages.stream({ model: "gpt-4o", ...ask }).finalMessage()).stop_reason,
    "refusal",
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  for (
    const r of [
      await ai.responses.create({ model: "gpt-4o", input: "?" }),
      await ai.responses.stream({ model: "gpt-4o", input: "?" }).finalResponse(),
    ]
  ) {
    assertEquals([r.status, r.incomplete_details?.reason], ["incomplete", "content_filter"]);
  }

  await using full = fakeUpstream((r) =>
    r.json.stream
      ? sseResponse(
        anthropicStream(text, undefined, undefined, "model_context_window_exceeded").join(""),
      )
      : jsonResponse(anthropicMessage(text, undefined, undefined, "model_context_window_exceeded"))
  );
  await using proxy2 = proxyTo("anthropic", full.url, once);
  const ai2 = new OpenAI({ baseURL: proxy2.v1, apiKey: "k", maxRetries: 0 });
  const messages = ask.messages;
  assertEquals(
    (await ai2.chat.completions.create({ model: "c", messages })).choices[0].finish_reason,
    "length",
  );
  const streamed = await ai2.chat.completions.stream({ model: "c", messages })
    .finalChatCompletion();
  assertEquals(streamed.choices[0].finish_reason, "length");
  const r = await ai2.responses.create({ model: "c", input: "?" });
  assertEquals([r.status, r.incomplete_details?.reason], ["incomplete", "max_output_tokens"]);
});

/** Every event but the last: a stream that closed cleanly before its end marker. */
const cut = (events: string[], keep: number) => sseResponse(events.slice(0, keep).join(""));

Deno.test("an upstream stream that closes before its end marker is a failure: an error event in the client's format, translated or passed through", async () => {
  const anthropicEvents = anthropicStream(text);
  // Everything up to and including the last text delta: no message_delta, no message_stop.
  const beforeEnd = anthropicEvents.findLastIndex((e) => e.includes("text_delta")) + 1;
  await using claudeCut = fakeUpstream(() => cut(anthropicEvents, beforeEnd));
  await using toClaude = proxyTo("anthropic", claudeCut.url, once);

  const ai = new OpenAI({ baseURL: toClaude.v1, apiKey: "k", maxRetries: 0 });
  const seen: string[] = [];
  const err = await (async () => {
    const stream = await ai.chat.completions.create({
      model: "c",
      messages: ask.messages,
      stream: true,
    });
    for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
  })().catch((e) => e);
  assertEquals(seen.join(""), "Partial answer");
  assertMatch(String(err?.message), /upstream stream ended before message_stop/);

  const claude = new Anthropic({ baseURL: toClaude.url, apiKey: "k", maxRetries: 0 });
  const passErr = await claude.messages.stream({ model: "c", ...ask }).finalMessage().catch((e) =>
    e
  );
  assertMatch(String(passErr?.message), /upstream stream ended before its end/);

  const chatEvents = openAIStream(text);
  await using chatCut = fakeUpstream(() => cut(chatEvents, chatEvents.length - 3));
  await using toChat = proxyTo("openai", chatCut.url, once);
  const claude2 = new Anthropic({ baseURL: toChat.url, apiKey: "k", maxRetries: 0 });
  const chatErr = await claude2.messages.stream({ model: "gpt-4o", ...ask }).finalMessage().catch((
    e,
  ) => e);
  assertMatch(
    String(chatErr?.message),
    /upstream stream ended before a finish_reason or data: \[DONE\]/,
  );
  const raw = await (await fetch(`${toChat.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-4o", messages: ask.messages, stream: true }),
  })).text();
  assertMatch(raw, /data: \{"error":\{"message":"upstream stream ended before its end"[^\n]*\n\n$/);
});

Deno.test("a translated upstream error keeps its backoff headers, its code and its param; Anthropic's 529 stays overloaded", async () => {
  await using limited = fakeUpstream(() =>
    jsonResponse(
      anthropicError(
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
      ),
      429,
      {
        "retry-after": "17",
        "anthropic-ratelimit-tokens-remaining": "0",
        "anthropic-ratelimit-tokens-reset": "2026-12-03T12:00:17Z",
        "request-id": "req_01",
      },
    )
  );
  await using proxy = proxyTo("anthropic", limited.url, { retry: { attempts: 1 } });
  const r = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "c", messages: ask.messages }),
  });
  assertEquals(r.status, 429);
  assertEquals(r.headers.get("retry-after"), "17");
  assertEquals(r.headers.get("anthropic-ratelimit-tokens-remaining"), "0");
  assertEquals((await r.json()).error.type, "rate_limit_error");

  await using refusing = fakeUpstream(() =>
    jsonResponse(
      JSON.stringify({
        error: {
          message: "Invalid 'input[0].content': string too long.",
          type: "invalid_request_error",
          param: "messages[0].content",
          code: "string_above_max_length",
        },
      }),
      400,
      { "x-ratelimit-remaining-requests": "4999", "retry-after-ms": "20" },
    )
  );
  await using proxy2 = proxyTo("openai", refusing.url, { ...once, responses: false });
  const ai = new OpenAI({ baseURL: proxy2.v1, apiKey: "k", maxRetries: 0 });
  const err = await ai.responses.create({ model: "gpt-4o", input: "?" }).catch((e) => e);
  assert(err instanceof OpenAI.BadRequestError);
  assertEquals([err.code, err.param, err.type], [
    "string_above_max_length",
    "messages[0].content",
    "invalid_request_error",
  ]);
  assertEquals(err.headers?.get("x-ratelimit-remaining-requests"), "4999");
  assertEquals(err.headers?.get("retry-after-ms"), "20");

  await using overloaded = fakeUpstream(() =>
    jsonResponse(anthropicError("overloaded_error", "Overloaded"), 529)
  );
  await using proxy3 = proxyTo("anthropic", overloaded.url, once);
  const claude = new Anthropic({ baseURL: proxy3.url, apiKey: "k", maxRetries: 0 });
  const over = await claude.messages.create({ model: "c", ...ask }).catch((e) => e);
  assert(over instanceof Anthropic.APIError);
  assertEquals(over.status, 529);
  assertEquals((over.error as { error: { type: string } }).error.type, "overloaded_error");
});

Deno.test("the small things an SDK checks: no parallel flag on a none choice, xhigh thinks hardest, msg_ ids and prompt tokens at message_start, named argument events, Ollama tool names", async () => {
  await using claude = anthropicAPI();
  await using proxy = proxyTo("anthropic", claude.url, once);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const tools = [{ type: "function" as const, function: WEATHER_TOOL }];
  const none = await ai.chat.completions.create({
    model: "c",
    messages: [{ role: "user", content: "Weather in Paris, from memory?" }],
    tools,
    tool_choice: "none",
    parallel_tool_calls: false,
  });
  assertEquals(none.choices[0].message.tool_calls?.length, 1, "the mock takes the request");
  assertEquals(claude.last().json.tool_choice, { type: "none" });

  await ai.chat.completions.create({
    model: "c",
    messages: [{ role: "user", content: "?" }],
    reasoning_effort: "xhigh" as "high",
  });
  assertEquals(claude.last().json.thinking, { type: "enabled", budget_tokens: 32768 });

  const raw = await (await fetch(`${proxy.v1}/responses`, {
    method: "POST",
    body: JSON.stringify({
      model: "c",
      input: "Weather in Paris?",
      stream: true,
      tools: [{ type: "function", ...WEATHER_TOOL }],
    }),
  })).text();
  const done = raw.split("\n\n").find((e) =>
    e.startsWith("event: response.function_call_arguments.done")
  );
  const event = JSON.parse(done!.split("data: ")[1]);
  assertEquals([event.name, event.arguments], ["get_weather", '{"city":"Paris"}']);

  await using chat = fakeUpstream(() =>
    sseResponse(openAIStream(text, { input: 40, output: 2 }).join(""))
  );
  await using proxy2 = proxyTo("openai", chat.url, once);
  const events = await (await fetch(`${proxy2.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      model: "gpt-4o",
      ...ask,
      stream: true,
      messages: [{ role: "user", content: "How is the weather in Paris today, in a word?" }],
    }),
  })).text();
  const start = JSON.parse(events.split("\n\n")[0].split("data: ")[1]);
  assertMatch(start.message.id, /^msg_/);
  assert(
    start.message.usage.input_tokens > 5,
    `prompt tokens known at the start: ${start.message.usage.input_tokens}`,
  );

  await using ollama = fakeUpstream(() => jsonResponse(ollamaJSON("It is sunny.")));
  await using proxy3 = proxyTo("ollama", ollama.url, once);
  const local = new OpenAI({ baseURL: proxy3.v1, apiKey: "k", maxRetries: 0 });
  await local.chat.completions.create({
    model: "llama3.2",
    messages: [
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "c1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: "c1", content: "sunny" },
    ],
  });
  assertEquals((ollama.last().json.messages as Json[])[2], {
    role: "tool",
    content: "sunny",
    tool_name: "get_weather",
  });
});
