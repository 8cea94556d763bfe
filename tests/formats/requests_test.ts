import { assertEquals } from "../support/assert.ts";
import { clientRequest } from "../support/fixtures.ts";
import { chatToMessages } from "../../lib/formats/messages/from_chat.ts";
import { messagesToChat } from "../../lib/formats/messages/to_chat.ts";
import { chatToOllama } from "../../lib/formats/ollama/request.ts";

function dropped() {
  const list: string[] = [];
  return { list, drop: (what: string) => void list.push(what) };
}

Deno.test("chat → messages: roles merged, system and developer lifted, tool results grouped, ids kept", () => {
  const { list, drop } = dropped();
  const out = chatToMessages({
    model: "m",
    messages: [
      { role: "system", content: "S1" },
      { role: "developer", content: [{ type: "text", text: "S2" }] },
      { role: "user", content: "Q" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
          { id: "c2", type: "function", function: { name: "b", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "one" },
      { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "two" }] },
      { role: "user", content: "thanks" },
    ],
    max_completion_tokens: 99,
    stop: ["X", "Y"],
    top_p: 0.9,
    tools: [{ type: "function", function: { name: "a", parameters: { type: "object" } } }, {
      type: "web_search",
    }],
    tool_choice: { type: "function", function: { name: "a" } },
    parallel_tool_calls: false,
    n: 2,
    seed: 7,
  }, drop);
  assertEquals(out, {
    model: "m",
    max_tokens: 99,
    messages: [
      { role: "user", content: [{ type: "text", text: "Q" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "c1", name: "a", input: { x: 1 } },
          { type: "tool_use", id: "c2", name: "b", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "c1", content: "one" },
          { type: "tool_result", tool_use_id: "c2", content: "two" },
          { type: "text", text: "thanks" },
        ],
      },
    ],
    system: [{ type: "text", text: "S1" }, { type: "text", text: "S2" }],
    top_p: 0.9,
    stop_sequences: ["X", "Y"],
    tools: [{ name: "a", description: undefined, input_schema: { type: "object" } }],
    tool_choice: { type: "tool", name: "a", disable_parallel_tool_use: true },
  });
  assertEquals(list, ["tool of type 'web_search'", "n", "seed"]);
});

Deno.test("chat → messages: tool_choice words, reasoning_effort as a thinking budget", () => {
  const { list, drop } = dropped();
  const base = {
    model: "m",
    messages: [{ role: "user", content: "x" }],
    tools: [{ type: "function", function: { name: "t" } }],
  };
  assertEquals(chatToMessages({ ...base, tool_choice: "required" }, drop).tool_choice, {
    type: "any",
  });
  assertEquals(chatToMessages({ ...base, tool_choice: "auto" }, drop).tool_choice, {
    type: "auto",
  });
  const thinking = chatToMessages({
    ...base,
    reasoning_effort: "high",
    temperature: 0.3,
    max_tokens: 100,
  }, drop);
  assertEquals(thinking.thinking, { type: "enabled", budget_tokens: 16384 });
  assertEquals(thinking.max_tokens, 16384 + 4096);
  assertEquals("temperature" in thinking, false);
  assertEquals(list, ["temperature (with thinking)"]);
});

Deno.test("messages → chat: the AI SDK's tool round trip (fixture) keeps ids and arguments", async () => {
  const { requests } = await clientRequest("ai-sdk-anthropic-messages");
  const { drop } = dropped();
  const out = messagesToChat(requests[1].body, drop);
  assertEquals(out.messages, [
    { role: "user", content: "weather?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "toolu_rc_w1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Zürich ✓ k83v7j"}' },
      }],
    },
    { role: "tool", tool_call_id: "toolu_rc_w1", content: "sunny-in-Zürich ✓ k83v7j" },
  ]);
  assertEquals(out.tool_choice, "auto");
  assertEquals(out.max_tokens, 128000);
  assertEquals(out.stream_options, { include_usage: true });
});

Deno.test("messages → chat: Claude Code (fixture) — system blocks joined, dozens of tools, extras dropped and named", async () => {
  const { requests } = await clientRequest("claude-code-messages");
  const body = requests[1].body;
  const { list, drop } = dropped();
  const out = messagesToChat(body, drop);
  const messages = out.messages as { role: string; content: unknown }[];
  assertEquals(messages[0], {
    role: "system",
    content: body.system.map((b: { text: string }) => b.text).join("\n"),
  });
  assertEquals((out.tools as unknown[]).length, body.tools.length);
  assertEquals(out.user, body.metadata.user_id);
  // Adaptive thinking at Claude Code's effort; the edits of its context have no chat equivalent.
  assertEquals(out.reasoning_effort, body.output_config?.effort ?? "medium");
  assertEquals(list.includes("context_management"), true);
});

Deno.test("messages → chat: a system message inside messages, thinking budgets as reasoning_effort", () => {
  const { drop } = dropped();
  const out = messagesToChat({
    model: "m",
    max_tokens: 10,
    system: "top",
    messages: [{ role: "system", content: "inner" }, { role: "user", content: "x" }],
    thinking: { type: "enabled", budget_tokens: 5000 },
    stop_sequences: ["\n\n"],
    top_k: 5,
  }, drop);
  assertEquals(out.messages, [{ role: "system", content: "top" }, {
    role: "system",
    content: "inner",
  }, { role: "user", content: "x" }]);
  assertEquals(out.reasoning_effort, "medium");
  assertEquals(out.stop, ["\n\n"]);
});

Deno.test("chat → ollama: LangChain's request (fixture), options, images, tool calls, format", async () => {
  const { requests } = await clientRequest("langchain-openai-chat");
  const { drop } = dropped();
  const out = chatToOllama({
    ...requests[0].body,
    model: "ollama/qwen3",
    max_tokens: 64,
    stop: "END",
    response_format: { type: "json_object" },
  }, drop);
  assertEquals(out.model, "qwen3");
  assertEquals(out.stream, false);
  assertEquals(out.options, { num_predict: 64, stop: ["END"] });
  assertEquals(out.format, "json");
  assertEquals(out.tools, requests[0].body.tools);
  const multi = chatToOllama({
    model: "llava",
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "see" }, {
          type: "image_url",
          image_url: { url: "data:image/png;base64,AAAA" },
        }],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      },
      { role: "tool", tool_call_id: "c", content: "done" },
    ],
  }, drop);
  assertEquals(multi.messages, [
    { role: "user", content: "see", images: ["AAAA"] },
    {
      role: "assistant",
      content: "",
      tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }],
    },
    // Ollama's tool messages name the tool whose result they carry.
    { role: "tool", content: "done", tool_name: "f" },
  ]);
});
