/**
 * The splitter as real clients meet it (SPEC §8): Claude Code's reminders,
 * agent tool loops, replayed history, structured output, `n`, a companion
 * that hangs or fails, the Responses API — each with the client's own
 * helpers, against upstreams that answer per model: `main` (the answer) and
 * `fixer` (the companion, which says what it was asked to correct).
 */
import Anthropic from "@anthropic-ai/sdk";
import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, isStepCount, streamText, tool } from "ai";
import { z } from "zod";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { agentUpstream, PLAIN } from "./support/agent_upstream.ts";
import { claudeCode, sandbox } from "./support/agents.ts";
import { startProxy } from "./support/proxy.ts";
import { fakeUpstream, type Received } from "./support/upstream.ts";
import {
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  openAIChatMessage,
  openAIStream,
  type Part,
  responsesJSON,
  responsesStream,
  sseResponse,
} from "./support/wire.ts";

type Json = Record<string, unknown>;
const SEP = "\n——\n";
const MAIN = "Paris is the capital.";

/** What the fixer was asked, as it answers: "Fixed: <the text>". */
const fixed = (text: string) => `Fixed: ${text}`;

interface Behaviour {
  /** The main answer's parts for a request (default: text). */
  main?: (r: Received) => Part[];
  /** How the companion answers (default: at once, saying what it fixed). */
  fixer?: (r: Received) => Response | Promise<Response>;
}

/** The text a companion request asks to fix ("Fix: {message}"). */
function asked(r: Received): string {
  const said = r.json.messages
    ? ((r.json.messages as Json[])[0].content as string)
    : String(r.json.input);
  return said.replace(/^Fix: /, "");
}

/** One upstream for every API, answering by model. */
function upstream(b: Behaviour = {}) {
  return fakeUpstream((r) => {
    if (r.json.model === "fixer" && b.fixer) return b.fixer(r);
    const parts = r.json.model === "fixer"
      ? [{ text: [fixed(asked(r))] }]
      : b.main?.(r) ?? [{ text: ["Paris is ", "the capital."] }];
    const stream = r.json.stream === true;
    if (r.path.startsWith("/v1/messages")) {
      return stream
        ? sseResponse(anthropicStream(parts).join(""))
        : jsonResponse(anthropicMessage(parts));
    }
    if (r.path.endsWith("/responses")) {
      return stream
        ? sseResponse(responsesStream(parts).join(""))
        : jsonResponse(responsesJSON(parts));
    }
    return stream
      ? sseResponse(openAIStream(parts).join(""))
      : jsonResponse(openAIChatMessage(parts));
  });
}

function config(url: string, splitter: Json = {}) {
  return {
    providers: {
      oa: { type: "openai", base_url: url },
      an: { type: "anthropic", base_url: url },
    },
    models: { "gpt-main": ["oa/main"], "claude-main": ["an/main"], fixer: ["oa/fixer"] },
    splitter: {
      models: ["gpt-main", "claude-main"],
      model: "fixer",
      prompt: "Fix: {message}",
      ...splitter,
    },
  };
}

const companions = (up: { received: Received[] }) =>
  up.received.filter((r) => r.json.model === "fixer");
const mains = (up: { received: Received[] }) => up.received.filter((r) => r.json.model === "main");

const REMINDER =
  "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# claudeMd\nCodebase and user instructions are shown below.\n</system-reminder>";

Deno.test("Claude Code's turn: the companion corrects the person's words only, and rides inside the last text block", async () => {
  await using up = upstream({
    main:
      () => [{ thinking: ["Think."], signature: "sig" }, { text: ["Paris is ", "the capital."] }],
  });
  await using proxy = startProxy(config(up.url));
  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const ask = {
    model: "claude-main",
    max_tokens: 1000,
    messages: [{
      role: "user" as const,
      content: [
        { type: "text" as const, text: REMINDER },
        {
          type: "text" as const,
          text: "<system-reminder>Today's date is 2026-12-03.</system-reminder>",
        },
        { type: "text" as const, text: "whats the capital of france" },
      ],
    }],
  };
  for (
    const message of [
      await claude.messages.create(ask),
      await claude.messages.stream(ask).finalMessage(),
    ]
  ) {
    const texts = message.content.filter((b) => b.type === "text");
    assertEquals(texts.length, 1, "one text block: the main answer's, the companion in it");
    assertEquals(
      texts[0].type === "text" && texts[0].text,
      `${MAIN}${SEP}${fixed("whats the capital of france")}`,
    );
    assertEquals(message.content[0].type, "thinking");
  }
  assertEquals(companions(up).map(asked), [
    "whats the capital of france",
    "whats the capital of france",
  ]);
});

Deno.test("agent tool loops: a tool call takes no companion, a tool-result turn asks for none (runTools, Anthropic's loop, the AI SDK)", async () => {
  const toolTurn = (r: Received) => {
    const list = (r.json.messages ?? r.json.input) as Json[];
    const last = list.at(-1)!;
    const answered = last.role === "tool" || last.type === "function_call_output" ||
      (Array.isArray(last.content) &&
        (last.content as Json[]).some((b) => b.type === "tool_result"));
    return answered
      ? [{ text: ["It is ", "sunny."] }]
      : [{ tool: { id: "call_1", name: "get_weather", args: ['{"city":', '"Paris"}'] } }];
  };
  await using up = upstream({ main: toolTurn });
  await using proxy = startProxy(config(up.url));

  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const runner = ai.chat.completions.runTools({
    model: "gpt-main",
    stream: true,
    messages: [{ role: "user", content: "weather in paris?" }],
    tools: [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } } },
        function: () => "sunny",
        parse: JSON.parse,
      },
    }],
  });
  assertEquals(await runner.finalContent(), "It is sunny.");
  const sent = mains(up).at(-1)!.json.messages as Json[];
  assertEquals(sent[1].content, null, "the tool-call turn came back without a companion beside it");
  assertEquals(
    companions(up).length,
    1,
    "only the person's turn asked for one (and it was dropped)",
  );

  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const tools = [{
    name: "get_weather",
    input_schema: { type: "object" as const, properties: {} },
  }];
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: "weather in paris?" }];
  const first = await claude.messages.stream({
    model: "claude-main",
    max_tokens: 100,
    tools,
    messages,
  }).finalMessage();
  assertEquals(first.content.map((b) => b.type), ["tool_use"], "no text block after the tool call");
  const use = first.content[0] as Anthropic.ToolUseBlock;
  messages.push({ role: "assistant", content: first.content }, {
    role: "user",
    content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }, {
      type: "text",
      text: REMINDER,
    }],
  });
  const second = await claude.messages.create({
    model: "claude-main",
    max_tokens: 100,
    tools,
    messages,
  });
  assertEquals(second.content, [{ type: "text", text: "It is sunny." }]);
  assertEquals(
    companions(up).length,
    2,
    "the tool-result turn (a reminder beside it) asked for none",
  );

  const anthropic = createAnthropic({ baseURL: proxy.v1, apiKey: "k" });
  const result = streamText({
    model: anthropic("claude-main"),
    prompt: "weather in paris?",
    tools: {
      get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: () => "sunny" }),
    },
    stopWhen: isStepCount(2),
  });
  assertEquals(await result.text, "It is sunny.");
  assertEquals(companions(up).length, 3);
});

Deno.test("replayed history loses the companions switchyard sent: chat, Anthropic and Responses clients, what else follows a separator stays", async () => {
  await using up = upstream();
  await using proxy = startProxy(config(up.url, { models: ["*"] }));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const turn1 = [{ role: "user" as const, content: "whats the capital" }];
  const first =
    (await ai.chat.completions.create({ model: "gpt-main", messages: turn1 })).choices[0].message;
  assertEquals(first.content, `${MAIN}${SEP}${fixed("whats the capital")}`);
  await ai.chat.completions.create({
    model: "gpt-main",
    messages: [
      ...turn1,
      first,
      { role: "assistant", content: `Quoted:${SEP}not a companion` },
      { role: "user", content: "and germany" },
    ],
  });
  const sent = mains(up).at(-1)!.json.messages as Json[];
  assertEquals(sent[1].content, MAIN, "cut back to the main answer");
  assertEquals(sent[2].content, `Quoted:${SEP}not a companion`, "a separator alone proves nothing");

  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const m = await claude.messages.stream({
    model: "claude-main",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi there" }],
  }).finalMessage();
  await claude.messages.create({
    model: "claude-main",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi there" }, { role: "assistant", content: m.content }, {
      role: "user",
      content: "more",
    }],
  });
  assertEquals((mains(up).at(-1)!.json.messages as Json[])[1].content, [{
    type: "text",
    text: MAIN,
  }]);

  const r = await ai.responses.create({ model: "gpt-main", input: "whats up" });
  assertEquals(r.output_text, `${MAIN}${SEP}${fixed("whats up")}`);
  assertEquals(
    r.output.filter((i) => i.type === "message").length,
    2,
    "the companion is an item of its own",
  );
  await ai.responses.create({
    model: "gpt-main",
    input: [
      { role: "user", content: "whats up" },
      ...r.output as OpenAI.Responses.ResponseInputItem[],
      { role: "user", content: "more" },
    ],
  });
  const input = mains(up).at(-1)!.json.input as Json[];
  assertEquals(input.length, 3, "the companion's item is gone");
  assertEquals(((input[1].content as Json[])[0] as Json).text, MAIN);
});

Deno.test("structured output gets no companion: chat.completions.parse, json_object, Anthropic's messages.parse, the AI SDK's generateObject", async () => {
  const json = '{"city":"Paris"}';
  await using up = upstream({ main: () => [{ text: [json.slice(0, 5), json.slice(5)] }] });
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const City = z.object({ city: z.string() });
  const parsed = await ai.chat.completions.parse({
    model: "gpt-main",
    messages: [{ role: "user", content: "capital of france" }],
    response_format: zodResponseFormat(City, "city"),
  });
  assertEquals(parsed.choices[0].message.parsed, { city: "Paris" });
  const streamed = await ai.chat.completions.stream({
    model: "gpt-main",
    messages: [{ role: "user", content: "capital of france" }],
    response_format: { type: "json_object" },
  }).finalContent();
  assertEquals(JSON.parse(streamed!), { city: "Paris" });

  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k", maxRetries: 0 });
  const message = await claude.messages.parse({
    model: "claude-main",
    max_tokens: 100,
    messages: [{ role: "user", content: "capital of france" }],
    output_config: { format: zodOutputFormat(City) },
  });
  assertEquals(message.parsed_output, { city: "Paris" });

  const { object } = await generateObject({
    model: createOpenAI({ baseURL: proxy.v1, apiKey: "k" }).chat("gpt-main"),
    schema: City,
    prompt: "capital of france",
  });
  assertEquals(object, { city: "Paris" });
  assertEquals(companions(up).length, 0);
});

Deno.test("n: 2 gets no companion, each choice's stream intact", async () => {
  await using up = upstream();
  await using proxy = startProxy(config(up.url));
  const raw = await (await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "gpt-main",
      n: 2,
      stream: true,
      messages: [{ role: "user", content: "hi you" }],
    }),
  })).text();
  assert(!raw.includes("Fixed"), raw);
  assertEquals(companions(up).length, 0);
});

Deno.test("a hanging companion: the answer waits grace_s at most (a stream keeps alive meanwhile), one try, logged as a timeout", async () => {
  let calls = 0;
  await using up = upstream({
    fixer: () => {
      calls++;
      return new Promise<Response>(() => {});
    },
  });
  await using proxy = startProxy(config(up.url, { grace_s: 0.4 }));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0, timeout: 5000 });
  const t0 = performance.now();
  const r = await ai.chat.completions.create({
    model: "gpt-main",
    messages: [{ role: "user", content: "hi you" }],
  });
  assertEquals(r.choices[0].message.content, MAIN);
  const ms = performance.now() - t0;
  assert(ms < 2000, `waited ${ms} ms`);
  const record = proxy.records.find((x) => x.kind === "companion")!;
  assertMatch(String(record.error), /timed out: splitter\.grace_s/);

  const raw = await (await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "gpt-main",
      stream: true,
      messages: [{ role: "user", content: "hi you" }],
    }),
  })).text();
  assertMatch(
    raw,
    /"content":"the capital\."[\s\S]*: keep-alive\n\n[\s\S]*"finish_reason":"stop"[\s\S]*\[DONE\]/,
  );
  const claude = await (await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      model: "claude-main",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "hi you" }],
    }),
  })).text();
  assertMatch(claude, /text_delta[\s\S]*event: ping[\s\S]*content_block_stop[\s\S]*message_stop/);
  assertEquals(calls, 3, "never retried");

  // A failing one: one call, no retry, the answer as it was.
  let failures = 0;
  await using down = upstream({
    fixer: () => (failures++, jsonResponse('{"error":{"message":"down"}}', 500)),
  });
  await using proxy2 = startProxy(config(down.url));
  const ai2 = new OpenAI({ baseURL: proxy2.v1, apiKey: "k", maxRetries: 0 });
  const r2 = await ai2.chat.completions.create({
    model: "gpt-main",
    messages: [{ role: "user", content: "hi you" }],
  });
  assertEquals([r2.choices[0].message.content, failures], [MAIN, 1]);
});

Deno.test("the Responses API: the companion is a message item of its own, streamed with its events numbered, passed through or translated", async () => {
  await using up = upstream();
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  for (const model of ["gpt-main", "claude-main"]) {
    const final = await ai.responses.stream({ model, input: "whats up" }).finalResponse();
    assertEquals(final.output_text, `${MAIN}${SEP}${fixed("whats up")}`);
    assertEquals(final.output.map((i) => i.type), ["message", "message"]);
    const raw = await (await fetch(`${proxy.v1}/responses`, {
      method: "POST",
      body: JSON.stringify({ model, input: "whats up", stream: true }),
    })).text();
    const numbers = [...raw.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]));
    assertEquals(numbers, numbers.map((_, i) => i), "numbered in order, none twice");
  }
  // A function call: no companion item.
  await using tools = upstream({
    main: () => [{ tool: { id: "call_1", name: "f", args: ["{}"] } }],
  });
  await using proxy2 = startProxy(config(tools.url));
  const call = await new OpenAI({ baseURL: proxy2.v1, apiKey: "k" }).responses.create({
    model: "gpt-main",
    input: "do it",
  });
  assertEquals(call.output.map((i) => i.type), ["function_call"]);
  const gen = await generateText({
    model: createOpenAI({ baseURL: proxy.v1, apiKey: "k" })("gpt-main"),
    prompt: "whats up",
  });
  assertEquals(gen.text.includes(MAIN), true);
});

Deno.test("Claude Code through the splitter: the result holds the main answer and its companion, a Read round trip works, the next turn sends no companion upstream", async () => {
  await using box = await sandbox();
  await using agent = agentUpstream("anthropic", box.file);
  await using fixer = upstream();
  await using proxy = startProxy({
    providers: {
      an: { type: "anthropic", base_url: agent.url },
      fx: { type: "openai", base_url: fixer.url },
    },
    models: { "*": ["an/*"], fixer: ["fx/fixer"] },
    splitter: { models: ["claude-*"], model: "fixer", prompt: "Fix: {message}" },
  });
  const first = await claudeCode(box, proxy.url, "say hello to me plz");
  assertEquals(first.result.is_error, false, first.stdout + first.stderr);
  assertEquals(first.result.result, `${PLAIN}${SEP}${fixed("say hello to me plz")}`);

  const second = await claudeCode(
    box,
    proxy.url,
    "Read the file hello.txt and tell me what it says",
    [
      "--continue",
    ],
  );
  assertEquals(second.result.is_error, false, second.stdout + second.stderr);
  assert(second.result.result.includes(box.content), second.result.result);
  const upstreamTurns = agent.received.filter((r) => r.path.startsWith("/v1/messages"));
  assert(upstreamTurns.length >= 3, "the hello turn, the Read call, its result");
  for (const turn of upstreamTurns) {
    assert(!turn.text.includes("Fixed:"), "no companion went upstream");
  }
  assert(upstreamTurns.at(-1)!.text.includes(PLAIN), "the history kept the main answer");
  // Asked beside the Read turn (then dropped: that answer was a tool call); none for its result.
  assertEquals(companions(fixer).map(asked), [
    "say hello to me plz",
    "Read the file hello.txt and tell me what it says",
  ]);
  assert(!second.result.result.includes("Fixed:"));
});
