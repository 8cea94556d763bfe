/**
 * Real clients, as their users run them, through the proxy to each kind of
 * upstream: Claude Code, Codex and the AI SDK each think, call their own
 * file-reading tool, and answer with what it read — two turns, the second
 * carrying the first one's thinking to an upstream that refuses without it.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, type LanguageModel, streamText, tool } from "ai";
import type { JSONObject } from "@ai-sdk/provider";
import { z } from "zod";
import { assert, assertEquals } from "./support/assert.ts";
import { AGENT_THOUGHT, agentUpstream, type AgentWire } from "./support/agent_upstream.ts";
import { claudeCode, codex, sandbox } from "./support/agents.ts";
import { oneProvider, startProxy } from "./support/proxy.ts";
import type { FakeUpstream } from "./support/upstream.ts";
import { signatureOf } from "./support/validating.ts";

type Json = Record<string, unknown>;

/** Each kind of upstream: its provider type and settings. */
const UPSTREAMS: [AgentWire, string, Json][] = [
  ["anthropic", "anthropic", {}],
  ["reasoning-chat", "openai", { responses: false }],
  ["ollama", "ollama", {}],
];

const PROMPT = "Read the file hello.txt and tell me what it says";

/** The upstream's last request that brought a tool's result back: the second turn. */
function secondTurn(up: FakeUpstream): Json {
  const turns = up.received.filter((r) => /tool_result|"role":"tool"/.test(r.text));
  assert(
    turns.length > 0,
    `no second turn reached the upstream: ${up.received.map((r) => r.path)}`,
  );
  return turns.at(-1)!.json;
}

/** The first turn's thinking, as `wire` wants it back on the second. */
function assertThinkingReplayed(wire: AgentWire, body: Json): void {
  const messages = body.messages as Json[];
  const assistant = messages.findLast((m) => m.role === "assistant")!;
  if (wire === "anthropic") {
    const first = (assistant.content as Json[])[0];
    assertEquals([first.type, first.thinking, first.signature], [
      "thinking",
      AGENT_THOUGHT,
      signatureOf(AGENT_THOUGHT),
    ]);
  } else if (wire === "reasoning-chat") assertEquals(assistant.reasoning_content, AGENT_THOUGHT);
  else assertEquals(assistant.thinking, AGENT_THOUGHT);
}

for (const [wire, type, extra] of UPSTREAMS) {
  const config = (url: string) =>
    oneProvider(type, url, undefined, { retry: { attempts: 1 }, ...extra });

  Deno.test(`Claude Code → ${wire} upstream: thinks, reads the file with its Read tool, answers with it`, async () => {
    await using box = await sandbox();
    await using up = agentUpstream(wire, box.file);
    await using proxy = startProxy(config(up.url));
    const run = await claudeCode(box, proxy.url, PROMPT);
    assertEquals(run.result.is_error, false, run.stdout + run.stderr);
    assert(run.result.result.includes(box.content), run.result.result);
    assertThinkingReplayed(wire, secondTurn(up));
  });

  Deno.test(`Codex → ${wire} upstream: reasoning sealed and replayed, its command's output in the answer`, async () => {
    await using box = await sandbox();
    await using up = agentUpstream(wire, box.file);
    await using proxy = startProxy(config(up.url));
    const run = await codex(box, proxy.v1, PROMPT);
    assert(run.answer.includes(box.content), `${run.answer}\n${run.stdout}\n${run.stderr}`);
    assertThinkingReplayed(wire, secondTurn(up));
  });

  Deno.test(`AI SDK (Anthropic and OpenAI Responses providers) → ${wire} upstream: a two-step tool run with thinking, generated and streamed`, async () => {
    await using box = await sandbox();
    await using up = agentUpstream(wire, box.file);
    await using proxy = startProxy(config(up.url));
    const tools = {
      readFile: tool({
        description: "Read a file",
        inputSchema: z.object({ path: z.string() }),
        execute: ({ path }) => Deno.readTextFile(path),
      }),
    };
    const anthropic = createAnthropic({ baseURL: proxy.v1, apiKey: "k" });
    const openai = createOpenAI({ baseURL: proxy.v1, apiKey: "k" });
    const models: { model: LanguageModel; providerOptions: Record<string, JSONObject> }[] = [
      {
        model: anthropic("claude-sonnet-4-5"),
        providerOptions: {
          anthropic: { thinking: { type: "enabled" as const, budgetTokens: 1024 } },
        },
      },
      {
        model: openai("gpt-5.5"),
        providerOptions: {
          openai: {
            store: false,
            include: ["reasoning.encrypted_content"],
            reasoningEffort: "low",
          },
        },
      },
    ];
    for (const m of models) {
      const ask = {
        ...m,
        tools,
        stopWhen: isStepCount(2),
        prompt: `Read ${box.file} and tell me what it says`,
      };
      const generated = await generateText(ask);
      assert(generated.text.includes(box.content), generated.text);
      assertThinkingReplayed(wire, secondTurn(up));
      const streamed = streamText(ask);
      assert((await streamed.text).includes(box.content));
      assertEquals((await streamed.steps).length, 2);
      assertThinkingReplayed(wire, secondTurn(up));
    }
  });
}
