import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { clientRequest } from "../support/fixtures.ts";
import OpenAI from "openai";
import { oneProvider, startProxy } from "../support/proxy.ts";
import { chunkedBody, fakeUpstream, type Received } from "../support/upstream.ts";
import { rawUpstream, write } from "../support/raw_http.ts";
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

/** One provider of `type` (with `extra` settings) serving every model, tried once. */
function proxyTo(type: string, url: string, extra: Record<string, unknown> = {}) {
  return startProxy(oneProvider(type, url, undefined, { retry: { attempts: 1 }, ...extra }));
}

/** Anthropic upstream: a tool call first, text once the tool result is in. */
function anthropicToolUpstream() {
  return fakeUpstream((r: Received) => {
    const msgs = r.json.messages as { content: { type: string }[] | string }[];
    const last = msgs.at(-1)!.content;
    const answered = Array.isArray(last) && last.some((b) => b.type === "tool_result");
    const parts: Part[] = answered
      ? [{ text: ["Done: ", "hello"] }]
      : [{ tool: { id: "toolu_echo1", name: "exec_command", args: ['{"cmd":', '"echo hello"}'] } }];
    if (r.json.stream) {
      return sseResponse(
        chunkedBody(anthropicStream(parts, { input: 50, output: 10, cacheRead: 20 })),
      );
    }
    return jsonResponse(
      answered ? anthropicJSON("Done: hello") : JSON.stringify({
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude",
        stop_reason: "tool_use",
        stop_sequence: null,
        content: [{
          type: "tool_use",
          id: "toolu_echo1",
          name: "exec_command",
          input: { cmd: "echo hello" },
        }],
        usage: {
          input_tokens: 50,
          output_tokens: 10,
          cache_read_input_tokens: 20,
          cache_creation_input_tokens: 0,
        },
      }),
    );
  });
}

const EXEC_TOOL = {
  type: "function" as const,
  name: "exec_command",
  description: "Run",
  parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
  strict: false,
};

Deno.test("responses.create through an Anthropic upstream: instructions, input, output_text, usage", async () => {
  await using up = fakeUpstream(() =>
    jsonResponse(anthropicJSON("Hi there", { input: 12, output: 3 }))
  );
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.responses.create({
    model: "claude-x",
    instructions: "Be nice.",
    input: "Hello",
    max_output_tokens: 100,
    store: false,
  });
  assertEquals(r.object, "response");
  assertEquals(r.status, "completed");
  assertEquals(r.output_text, "Hi there");
  assertEquals(r.usage?.input_tokens, 12);
  assertEquals(r.usage?.output_tokens, 3);
  assertEquals(up.last().json, {
    model: "claude-x",
    max_tokens: 100,
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    system: [{ type: "text", text: "Be nice." }],
  });
});

Deno.test("responses.stream through an Anthropic upstream: the event sequence, deltas, completed with usage", async () => {
  await using up = fakeUpstream(() =>
    sseResponse(
      chunkedBody(
        anthropicStream([{ thinking: ["Let me think."] }, { text: ["Str", "eamed."] }], {
          input: 7,
          output: 4,
        }),
      ),
    )
  );
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const stream = ai.responses.stream({
    model: "claude-x",
    input: [{ role: "user", content: [{ type: "input_text", text: "go" }] }],
    reasoning: { effort: "low" },
  });
  const types: string[] = [];
  let deltas = "";
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === "response.output_text.delta") deltas += ev.delta;
  }
  const final = await stream.finalResponse();
  assertEquals(deltas, "Streamed.");
  assertEquals(final.output_text, "Streamed.");
  assertEquals(final.usage?.input_tokens, 7);
  assertEquals(final.output.map((o) => o.type), ["reasoning", "message"]);
  assertEquals(types[0], "response.created");
  assertEquals(types.at(-1), "response.completed");
  for (
    const t of [
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.done",
      "response.output_item.done",
      "response.reasoning_summary_text.delta",
    ]
  ) {
    assert(types.includes(t), `missing ${t}`);
  }
  assertEquals(up.last().json.thinking, { type: "enabled", budget_tokens: 2048 });
});

Deno.test("a function call round trip through Anthropic, streamed and not, with call ids kept", async () => {
  await using up = anthropicToolUpstream();
  await using proxy = proxyTo("anthropic", up.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Run the echo command" }];
  const first = await ai.responses.create({ model: "claude-x", input, tools: [EXEC_TOOL] });
  const call = first.output.find((o) => o.type === "function_call");
  assert(call?.type === "function_call");
  assertEquals([call.call_id, call.name, JSON.parse(call.arguments)], [
    "toolu_echo1",
    "exec_command",
    { cmd: "echo hello" },
  ]);

  const streamed = await ai.responses.stream({ model: "claude-x", input, tools: [EXEC_TOOL] })
    .finalResponse();
  const streamedCall = streamed.output.find((o) => o.type === "function_call");
  assert(streamedCall?.type === "function_call");
  assertEquals(streamedCall.arguments, '{"cmd":"echo hello"}');

  const second = await ai.responses.create({
    model: "claude-x",
    tools: [EXEC_TOOL],
    input: [...input, call, {
      type: "function_call_output",
      call_id: call.call_id,
      output: "hello\n",
    }],
  });
  assertEquals(second.output_text, "Done: hello");
  assertEquals((up.last().json.messages as unknown[]).slice(1), [
    {
      role: "assistant",
      content: [{
        type: "tool_use",
        id: "toolu_echo1",
        name: "exec_command",
        input: { cmd: "echo hello" },
      }],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_echo1", content: "hello\n" }],
    },
  ]);
});

Deno.test("Codex CLI's replayed turn (fixture) reaches a Claude model: developer prompts, function_call items, unknown tools dropped", async () => {
  const { requests } = await clientRequest("codex-responses");
  await using up = anthropicToolUpstream();
  await using proxy = proxyTo("anthropic", up.url);
  const res = await fetch(`${proxy.v1}/responses`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      originator: "codex_exec",
    },
    body: JSON.stringify(requests[1].body),
  });
  const text = await res.text();
  assertMatch(text, /event: response\.created/);
  assertMatch(text, /event: response\.completed\ndata: .*"output_text"|event: response\.completed/);
  const sent = up.last().json;
  assertEquals((sent.system as unknown[]).length, 2);
  const names = (sent.tools as { name: string }[]).map((t) => t.name);
  assertEquals(
    names,
    requests[1].body.tools.filter((t: { type: string }) => t.type === "function").map((
      t: { name: string },
    ) => t.name),
  );
  const msgs = sent.messages as {
    role: string;
    content: { type: string; id?: string; tool_use_id?: string }[];
  }[];
  assertEquals(msgs.at(-2)!.content[0].type, "tool_use");
  assertEquals(msgs.at(-2)!.content[0].id, "call_rc1");
  assertEquals(msgs.at(-1)!.content[0].tool_use_id, "call_rc1");
});

Deno.test("structured output and responses: false — translated to chat completions for a chat-only upstream", async () => {
  await using up = fakeUpstream((r) =>
    r.json.stream
      ? sseResponse(chunkedBody(openAIStream([{ text: ['{"ok":', "true}"] }])))
      : jsonResponse(openAIChatJSON('{"ok":true}'))
  );
  await using proxy = proxyTo("openai", up.url, { responses: false });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const format = {
    type: "json_schema" as const,
    name: "result",
    schema: {
      type: "object",
      properties: { ok: { type: "boolean" } },
      required: ["ok"],
      additionalProperties: false,
    },
    strict: true,
  };
  const r = await ai.responses.create({ model: "llama", input: "ok?", text: { format } });
  assertEquals(JSON.parse(r.output_text), { ok: true });
  assertEquals(up.last().path, "/chat/completions");
  assertEquals(up.last().json.response_format, {
    type: "json_schema",
    json_schema: { name: "result", schema: format.schema, strict: true },
  });
  const s = await ai.responses.stream({ model: "llama", input: "ok?", text: { format } })
    .finalResponse();
  assertEquals(s.output_text, '{"ok":true}');
  assertEquals(s.usage?.input_tokens, 9);
});

Deno.test("responses through Ollama, streamed and not; and through the echo provider", async () => {
  await using up = fakeUpstream((r) =>
    r.json.stream
      ? new Response(chunkedBody(ollamaLines(["Ol", "lama"])), {
        headers: { "content-type": "application/x-ndjson" },
      })
      : jsonResponse(ollamaJSON("Ollama"))
  );
  await using proxy = startProxy({
    providers: { o: { type: "ollama", base_url: up.url }, e: { type: "echo" } },
    models: { "ollama/*": ["o/*"], echo: ["e/echo"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  assertEquals(
    (await ai.responses.create({ model: "ollama/qwen3", input: "hi" })).output_text,
    "Ollama",
  );
  assertEquals(
    (await ai.responses.stream({ model: "ollama/qwen3", input: "hi" }).finalResponse()).output_text,
    "Ollama",
  );
  assertEquals(up.last().json.model, "qwen3");
  assertEquals(
    (await ai.responses.create({ model: "echo", input: "echo me" })).output_text,
    "echo me",
  );
});

Deno.test("previous_response_id: a clear 400 on a translated route, passed through to an OpenAI-type upstream", async () => {
  await using an = fakeUpstream(() => jsonResponse(anthropicJSON("x")));
  await using proxy = proxyTo("anthropic", an.url);
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  const err = await ai.responses.create({
    model: "c",
    input: "again",
    previous_response_id: "resp_123",
  }).catch((e) => e);
  assert(err instanceof OpenAI.BadRequestError);
  assertMatch(err.message, /previous_response_id .*stateless.*send the history in `input`/);
  assertEquals(an.received.length, 0);

  await using oa = fakeUpstream(() =>
    jsonResponse(
      JSON.stringify({
        id: "resp_2",
        object: "response",
        status: "completed",
        output: [],
        usage: null,
      }),
    )
  );
  await using proxy2 = proxyTo("openai", oa.url);
  const ai2 = new OpenAI({ baseURL: proxy2.v1, apiKey: "k" });
  await ai2.responses.create({ model: "gpt-5", input: "again", previous_response_id: "resp_123" });
  assertEquals(oa.last().json.previous_response_id, "resp_123");
  assertEquals(oa.last().path, "/responses");
});

Deno.test("errors in the Responses API's shape: upstream errors with their status, a stream cut mid-way ends with an error event", async () => {
  await using bad = fakeUpstream(() =>
    jsonResponse(anthropicError("invalid_request_error", "prompt is too long"), 400)
  );
  await using proxy = proxyTo("anthropic", bad.url);
  const res = await fetch(`${proxy.v1}/responses`, {
    method: "POST",
    body: JSON.stringify({ model: "c", input: "x" }),
  });
  assertEquals(res.status, 400);
  const body = await res.json();
  assertMatch(body.error.message, /prompt is too long/);
  assertEquals(body.error.type, "invalid_request_error");

  const events = anthropicStream([{ text: ["partial"] }]);
  // The head of a stream in one HTTP chunk, then the connection closes.
  const head = events[0] + events[1] + events[3];
  await using cut = rawUpstream(async (conn) => {
    await write(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    await write(conn, `${new TextEncoder().encode(head).length.toString(16)}\r\n${head}\r\n`);
  });
  await using proxy2 = proxyTo("anthropic", cut.url);
  const raw = await (await fetch(`${proxy2.v1}/responses`, {
    method: "POST",
    body: JSON.stringify({ model: "c", input: "x", stream: true }),
  })).text();
  assertMatch(raw, /event: response\.output_text\.delta\ndata: .*"delta":"partial"/);
  assertMatch(
    raw,
    /event: error\ndata: \{"type":"error","sequence_number":5,"code":"upstream_error","message":"upstream closed the connection mid-body","param":null\}\n\n$/,
  );
  // The SDK hands the error event over as an event, as it does for the real API's.
  const ai = new OpenAI({ baseURL: proxy2.v1, apiKey: "k", maxRetries: 0 });
  const seen: string[] = [];
  for await (const ev of ai.responses.stream({ model: "c", input: "x" })) seen.push(ev.type);
  assertEquals(seen.at(-1), "error");
});
