/**
 * Thinking across tool turns, translated: every client's second turn reaches
 * an upstream that validates as the real one does, carrying what it must
 * (Anthropic's signed thinking, DeepSeek's reasoning_content, OpenRouter's
 * reasoning_details, Gemini's thought signatures) — or, where the client
 * cannot bring it back, without the thinking the upstream would refuse.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assert, assertEquals } from "../support/assert.ts";
import { oneProvider, startProxy } from "../support/proxy.ts";
import {
  ANSWER,
  anthropicAPI,
  chatAPI,
  type ChatDialect,
  GEMINI_SIGNATURE,
  REDACTED,
  signatureOf,
  THOUGHT,
  WEATHER,
  WEATHER_TOOL,
} from "../support/validating.ts";

type Json = Record<string, unknown>;

function proxyTo(type: string, url: string) {
  return startProxy(oneProvider(type, url, undefined, { retry: { attempts: 1 } }));
}

const chatTools = [{ type: "function" as const, function: WEATHER_TOOL }];
const question = { role: "user" as const, content: "Weather in Paris?" };

Deno.test("OpenAI chat client thinking with tools → Anthropic: the signed thinking comes back in reasoning_details and turn two is taken, streamed and not", async () => {
  await using up = anthropicAPI({ redacted: true });
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  for (const stream of [false, true]) {
    const ask = { model: "claude-x", reasoning_effort: "low" as const, tools: chatTools };
    const first = stream
      ? await ai.chat.completions.stream({ ...ask, messages: [question] }).finalMessage()
      : (await ai.chat.completions.create({ ...ask, messages: [question] })).choices[0].message;
    assertEquals(
      first.tool_calls?.[0].type === "function" && first.tool_calls[0].function.arguments,
      WEATHER,
    );
    const details = (first as unknown as Json).reasoning_details as Json[];
    assertEquals(details.map((d) => [d.type, d.signature ?? d.data]), [
      ["reasoning.text", signatureOf(THOUGHT)],
      ["reasoning.encrypted", REDACTED],
    ]);
    // The app appends the message as it came, then the tool's result.
    const messages = [question, first, {
      role: "tool" as const,
      tool_call_id: first.tool_calls![0].id,
      content: "sunny, 24 °C",
    }];
    const second = stream
      ? await ai.chat.completions.stream({ ...ask, messages }).finalContent()
      : (await ai.chat.completions.create({ ...ask, messages })).choices[0].message.content;
    assertEquals(second, ANSWER);
    const replayed = (up.last().json.messages as Json[])[1].content as Json[];
    assertEquals(replayed.map((b) => b.type), ["thinking", "redacted_thinking", "tool_use"]);
    assertEquals(replayed[0].thinking, THOUGHT);
    assertEquals(up.last().json.thinking, { type: "enabled", budget_tokens: 2048 });
  }
});

Deno.test("a chat client that drops the thinking on replay: thinking is off for that request, and the log says so", async () => {
  await using up = anthropicAPI();
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const ask = { model: "claude-x", reasoning_effort: "medium" as const, tools: chatTools };
  const first =
    (await ai.chat.completions.create({ ...ask, messages: [question] })).choices[0].message;
  // Only the call, as many chat apps keep it.
  const bare = { role: "assistant" as const, content: null, tool_calls: first.tool_calls };
  const r = await ai.chat.completions.create({
    ...ask,
    messages: [question, bare, {
      role: "tool",
      tool_call_id: first.tool_calls![0].id,
      content: "sunny",
    }],
  });
  assertEquals(r.choices[0].message.content, ANSWER);
  assertEquals(up.last().json.thinking, undefined);
  assert(
    proxy.said.some((l) =>
      /translation dropped reasoning_effort \(thinking is off: the last assistant turn came back without its signed thinking\)/
        .test(l)
    ),
  );

  // A forced tool choice: Anthropic refuses thinking with it, so it goes, said at info.
  const forced = await ai.chat.completions.create({
    ...ask,
    messages: [question],
    tool_choice: "required",
  });
  assertEquals(forced.choices[0].finish_reason, "tool_calls");
  assertEquals(up.last().json.thinking, undefined);
  assertEquals(up.last().json.tool_choice, { type: "any" });
  assert(
    proxy.said.some((l) =>
      /thinking is off: Anthropic refuses it with a forced tool choice/.test(l)
    ),
  );
});

Deno.test("Responses client (store: false, encrypted reasoning) → Anthropic: reasoning items come back sealed and are replayed as signed thinking", async () => {
  await using up = anthropicAPI({ redacted: true });
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const tools = [{
    type: "function" as const,
    name: "get_weather",
    parameters: WEATHER_TOOL.parameters,
    strict: false,
  }];
  for (const stream of [false, true]) {
    const ask = {
      model: "claude-x",
      store: false,
      include: ["reasoning.encrypted_content" as const],
      reasoning: { effort: "low" as const },
      tools,
    };
    const input = [{ role: "user" as const, content: "Weather in Paris?" }];
    const first = stream
      ? await ai.responses.stream({ ...ask, input }).finalResponse()
      : await ai.responses.create({ ...ask, input });
    const reasoning = first.output.filter((i) => i.type === "reasoning");
    assertEquals(reasoning.length, 2);
    for (const item of reasoning) {
      assert(item.type === "reasoning" && /^sy1\./.test(item.encrypted_content ?? ""), "sealed");
    }
    const call = first.output.find((i) => i.type === "function_call")!;
    assertEquals(call.type === "function_call" && call.arguments, WEATHER);
    // Codex's way: the output items as they came, then the call's output.
    const next = [...input, ...first.output as OpenAI.Responses.ResponseInputItem[], {
      type: "function_call_output" as const,
      call_id: call.type === "function_call" ? call.call_id : "",
      output: "sunny",
    }];
    const second = stream
      ? await ai.responses.stream({ ...ask, input: next }).finalResponse()
      : await ai.responses.create({ ...ask, input: next });
    assertEquals(second.output_text, ANSWER);
    const replayed = (up.last().json.messages as Json[])[1].content as Json[];
    assertEquals(replayed.map((b) => b.type), ["thinking", "redacted_thinking", "tool_use"]);
    assertEquals([replayed[0].thinking, replayed[1].data], [THOUGHT, REDACTED]);
  }
  // Without `include`, reasoning items carry no secret to come back with: summaries only.
  const plain = await ai.responses.create({
    model: "claude-x",
    reasoning: { effort: "low" },
    tools,
    input: "Weather?",
  });
  const item = plain.output.find((i) => i.type === "reasoning");
  assertEquals(item?.type === "reasoning" && item.encrypted_content, undefined);
});

/** Each reasoning OpenAI-compatible upstream and what its second turn must carry. */
const DIALECTS: [ChatDialect, string, (assistant: Json) => void][] = [
  ["deepseek", "deepseek-reasoner", (m) => assertEquals(m.reasoning_content, THOUGHT)],
  ["openrouter", "anthropic/claude-sonnet-4.5", (m) => {
    assertEquals((m.reasoning_details as Json[])[0].signature, signatureOf(THOUGHT));
    assertEquals((m.reasoning_details as Json[])[0].text, THOUGHT);
  }],
  ["gemini", "gemini-3-pro-preview", (m) => {
    const call = (m.tool_calls as Json[])[0];
    assertEquals(call.extra_content, { google: { thought_signature: GEMINI_SIGNATURE } });
  }],
];

for (const [dialect, model, carried] of DIALECTS) {
  Deno.test(`Anthropic client thinking with tools → ${dialect} (OpenAI-compatible): the reasoning it needs comes back on turn two, streamed and not`, async () => {
    await using up = chatAPI(dialect);
    await using proxy = proxyTo("openai", up.url);
    const ai = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
    const tools = [{
      name: "get_weather",
      description: "Weather for a city",
      input_schema: WEATHER_TOOL.parameters,
    }];
    for (const stream of [false, true]) {
      const ask = {
        model,
        max_tokens: 4096,
        thinking: { type: "enabled" as const, budget_tokens: 2048 },
        tools,
      };
      const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
      const first = stream
        ? await ai.messages.stream({ ...ask, messages }).finalMessage()
        : await ai.messages.create({ ...ask, messages });
      assertEquals(first.stop_reason, "tool_use");
      assert(first.id.startsWith("msg_"), first.id);
      const use = first.content.find((b) => b.type === "tool_use")!;
      assertEquals(use.type === "tool_use" && use.input, { city: "Paris" });
      // Claude Code's way: the content as it came, then the tool's result.
      messages.push({ role: "assistant", content: first.content }, {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: use.type === "tool_use" ? use.id : "",
          content: "sunny",
        }],
      });
      const second = stream
        ? await ai.messages.stream({ ...ask, messages }).finalMessage()
        : await ai.messages.create({ ...ask, messages });
      assertEquals(
        second.content.filter((b) => b.type === "text").map((b) => b.type === "text" && b.text)
          .join(""),
        ANSWER,
      );
      const sent = up.last().json;
      assertEquals(sent.reasoning_effort, "low");
      carried((sent.messages as Json[]).find((m) => m.role === "assistant")!);
    }
  });
}

Deno.test("Claude Code's adaptive thinking reaches an OpenAI-compatible upstream at its effort; every assistant turn keeps reasoning_content", async () => {
  await using up = chatAPI("deepseek");
  await using proxy = proxyTo("openai", up.url);
  const r = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "k",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({
      model: "deepseek-v4-pro",
      max_tokens: 8192,
      thinking: { type: "adaptive", display: "omitted" },
      output_config: { effort: "high" },
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: [{ type: "text", text: "Hello!" }] },
        { role: "user", content: "Weather in Paris?" },
      ],
    }),
  });
  assertEquals(r.status, 200, await r.clone().text());
  await r.body?.cancel();
  const sent = up.last().json;
  assertEquals(sent.reasoning_effort, "high");
  assertEquals((sent.messages as Json[])[1], {
    role: "assistant",
    content: "Hello!",
    reasoning_content: "",
  });
});
