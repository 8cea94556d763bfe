/**
 * Upstreams for real coding agents (Claude Code, Codex, the AI SDK): each
 * speaks one wire format — Anthropic's, an OpenAI-compatible reasoning
 * server's (DeepSeek's rules), Ollama's — validates as the real one does
 * (validating.ts), and plays one task: think, call the client's own
 * file-reading tool on `file`, then answer with what the tool returned.
 */
import { type FakeUpstream, fakeUpstream, type Received } from "./upstream.ts";
import { anthropicRefusal, chatRefusal, signatureOf } from "./validating.ts";
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  ollamaLines,
  ollamaMessage,
  openAIChatMessage,
  openAIStream,
  type Part,
  sseResponse,
} from "./wire.ts";

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

export type AgentWire = "anthropic" | "reasoning-chat" | "ollama";

export const AGENT_THOUGHT = "I should read the file with the tool I was given.";
/** The answer to anything but reading the file. */
export const PLAIN = "Hello from the agent upstream.";

/** The arguments each agent's file-reading tool takes, by tool name. */
const READERS: [string, (file: string) => Json][] = [
  ["Read", (file) => ({ file_path: file })],
  ["exec_command", (file) => ({ cmd: `cat ${file}` })],
  ["shell_command", (file) => ({ command: `cat ${file}` })],
  ["shell", (file) => ({ command: ["cat", file] })],
  ["readFile", (file) => ({ path: file })],
];

/** The call to make: the first of the client's tools that reads a file. */
function readCall(names: string[], file: string): { name: string; input: Json } | null {
  for (const [name, args] of READERS) if (names.includes(name)) return { name, input: args(file) };
  return null;
}

/** Text of a tool result in any of the formats (a string, or text parts). */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content).map((c) => String(c.text ?? "")).join("");
}

/** What the request shows, read the same way whatever its format. */
interface Turn {
  tools: string[];
  /** The tool's output when the conversation is back with it. */
  result: string | null;
  /** The last message, as text: whether it asks for the file decides the answer. */
  last: string;
}

function anthropicTurn(body: Json): Turn {
  const last = asArray(body.messages).at(-1);
  const result = asArray(last?.content).find((b) => b.type === "tool_result");
  return {
    tools: asArray(body.tools).map((t) => String(t.name)),
    result: result ? resultText(result.content) : null,
    last: JSON.stringify(last ?? ""),
  };
}

function chatTurn(body: Json): Turn {
  const messages = asArray(body.messages);
  const tool = messages.findLast((m, i) => m.role === "tool" && i >= messages.length - 2);
  return {
    tools: asArray(body.tools).map((t) => String((t.function as Json | undefined)?.name)),
    result: tool ? resultText(tool.content) : null,
    last: JSON.stringify(messages.at(-1) ?? ""),
  };
}

/** The answer's parts: thinking and the call, or the tool's output said back. */
function plan(turn: Turn, file: string, signed: boolean): Part[] {
  const thinking: Part = {
    thinking: [AGENT_THOUGHT.slice(0, 12), AGENT_THOUGHT.slice(12)],
    ...(signed ? { signature: signatureOf(AGENT_THOUGHT) } : {}),
  };
  if (turn.result !== null) return [{ text: ["The file says: ", turn.result.trim()] }];
  const call = readCall(turn.tools, file);
  // Asked anything but to read the file (or with no tool to read it with): a plain answer.
  if (!call || !turn.last.includes(file.slice(file.lastIndexOf("/") + 1))) {
    return [{ text: [PLAIN.slice(0, 9), PLAIN.slice(9)] }];
  }
  const args = JSON.stringify(call.input);
  return [thinking, {
    tool: {
      id: `call_${crypto.randomUUID().slice(0, 8)}`,
      name: call.name,
      args: [args.slice(0, 6), args.slice(6)],
    },
  }];
}

/** An upstream of `wire` that has agents read `file`, refusing what the real one refuses. */
export function agentUpstream(wire: AgentWire, file: string): FakeUpstream {
  return fakeUpstream((r: Received) => {
    if (!/\/(messages|chat\/completions|api\/chat)(\?|$)/.test(r.path)) {
      return jsonResponse(JSON.stringify({ error: { message: `no route ${r.path}` } }), 404);
    }
    if (wire === "anthropic") {
      const refusal = anthropicRefusal(r.json);
      if (refusal) return jsonResponse(anthropicError("invalid_request_error", refusal), 400);
      const thinks = ["enabled", "adaptive"].includes(
        String((r.json.thinking as Json | undefined)?.type),
      );
      const parts = plan(anthropicTurn(r.json), file, true).filter((p) =>
        thinks || !("thinking" in p)
      );
      return r.json.stream
        ? sseResponse(anthropicStream(parts).join(""))
        : jsonResponse(anthropicMessage(parts));
    }
    if (wire === "reasoning-chat") {
      const refusal = chatRefusal("deepseek", r.json);
      if (refusal) return jsonResponse(refusal, 400);
      const parts = plan(chatTurn(r.json), file, false);
      const model = String(r.json.model);
      return r.json.stream
        ? sseResponse(openAIStream(parts, { input: 50, output: 20 }, model).join(""))
        : jsonResponse(openAIChatMessage(parts, { input: 50, output: 20 }, model));
    }
    const parts = plan(chatTurn(r.json), file, false);
    const thinking = r.json.think ? [AGENT_THOUGHT] : [];
    const text = parts.flatMap((p) => ("text" in p ? p.text : []));
    const calls = parts.flatMap((p) =>
      "tool" in p ? [{ name: p.tool.name, arguments: JSON.parse(p.tool.args.join("")) }] : []
    );
    if (r.json.stream === false) {
      const message: Json = {
        content: text.join(""),
        ...(thinking.length ? { thinking: thinking[0] } : {}),
      };
      if (calls.length) message.tool_calls = calls.map((f) => ({ function: f }));
      return jsonResponse(ollamaMessage(message));
    }
    return new Response(ollamaLines(text, calls, "qwen3", thinking).join(""), {
      headers: { "content-type": "application/x-ndjson" },
    });
  });
}
