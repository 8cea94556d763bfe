/**
 * Requests between OpenAI chat completions and Anthropic messages, both ways:
 * system prompts, history, images, tools and tool results (ids kept),
 * sampling, stop sequences, reasoning. What one side cannot express is
 * dropped and reported through `drop`, never an error.
 */
import { DEFAULT_MAX_TOKENS } from "../../api.ts";
import { asArray, type Drop, dropFields, type Json, keepOnly, parseArguments } from "../json.ts";
import { contentText } from "../text.ts";

/** Anthropic thinking budgets for OpenAI's `reasoning_effort` levels. */
const BUDGET: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 16384 };

/** `reasoning_effort` for an Anthropic thinking budget. */
function effortFor(budget: number): string {
  return budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high";
}

/** Fields that mean the same on both sides (Anthropic name → OpenAI name). */
const SAME: [string, string][] = [["temperature", "temperature"], ["top_p", "top_p"], [
  "stream",
  "stream",
]];

// ---------------------------------------------------------------- chat → messages

function imageBlock(part: Json, drop: Drop): Json | null {
  const url = String((part.image_url as Json | undefined)?.url ?? part.image_url ?? "");
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) {
    return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] } };
  }
  if (/^https?:\/\//.test(url)) return { type: "image", source: { type: "url", url } };
  drop("image_url (not a data: or http(s) URL)");
  return null;
}

/** OpenAI content (string or parts) as Anthropic blocks. */
function blocksFromChat(content: unknown, drop: Drop): Json[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const blocks: Json[] = [];
  for (const part of asArray(content)) {
    if (part.type === "text") blocks.push({ type: "text", text: String(part.text ?? "") });
    else if (part.type === "image_url") {
      const image = imageBlock(part, drop);
      if (image) blocks.push(image);
    } else drop(`content part '${part.type}'`);
  }
  return blocks;
}

/** Appends to the last message when it has the same role: Anthropic wants roles to alternate. */
function push(messages: Json[], role: string, blocks: Json[]): void {
  if (blocks.length === 0) return;
  const last = messages.at(-1);
  if (last?.role === role) (last.content as Json[]).push(...blocks);
  else messages.push({ role, content: blocks });
}

function toolChoiceToMessages(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === "auto") out = { type: "auto" };
  else if (choice === "required") out = { type: "any" };
  else if (choice === "none") out = { type: "none" };
  else if (choice && typeof choice === "object") {
    out = {
      type: "tool",
      name: String(((choice as Json).function as Json | undefined)?.name ?? ""),
    };
  }
  if (parallel === false) out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  return out;
}

/** An OpenAI chat completions request as an Anthropic messages request. */
export function chatToMessages(chat: Json, drop: Drop): Json {
  const system: Json[] = [];
  const messages: Json[] = [];
  for (const m of asArray(chat.messages)) {
    const role = String(m.role);
    if (role === "system" || role === "developer") {
      system.push(...blocksFromChat(m.content, drop).filter((b) => b.type === "text"));
    } else if (role === "tool") {
      const content = typeof m.content === "string" ? m.content : contentText(m.content);
      push(messages, "user", [{
        type: "tool_result",
        tool_use_id: String(m.tool_call_id ?? ""),
        content,
      }]);
    } else if (role === "assistant") {
      const blocks = blocksFromChat(m.content, drop);
      for (const call of asArray(m.tool_calls)) {
        const fn = (call.function ?? {}) as Json;
        blocks.push({
          type: "tool_use",
          id: String(call.id ?? ""),
          name: String(fn.name ?? ""),
          input: parseArguments(fn.arguments),
        });
      }
      push(messages, "assistant", blocks);
    } else push(messages, "user", blocksFromChat(m.content, drop));
  }

  const out: Json = {
    model: chat.model,
    max_tokens: Number(chat.max_completion_tokens ?? chat.max_tokens ?? DEFAULT_MAX_TOKENS),
    messages,
  };
  if (system.length) out.system = system;
  for (const [theirs, ours] of SAME) if (chat[ours] !== undefined) out[theirs] = chat[ours];
  if (chat.stop !== undefined && chat.stop !== null) {
    out.stop_sequences = Array.isArray(chat.stop) ? chat.stop : [chat.stop];
  }
  if (typeof chat.user === "string") out.metadata = { user_id: chat.user };
  const tools = keepOnly(
    asArray(chat.tools),
    (t) => t.type === "function",
    drop,
    (t) => `tool of type '${t.type}'`,
  );
  if (tools.length) {
    out.tools = tools.map((t) => {
      const fn = (t.function ?? {}) as Json;
      return {
        name: fn.name,
        description: fn.description,
        input_schema: fn.parameters ?? { type: "object", properties: {} },
      };
    });
  }
  const choice = toolChoiceToMessages(chat.tool_choice, chat.parallel_tool_calls);
  if (choice && (tools.length || choice.type === "none")) out.tool_choice = choice;
  const effort = chat.reasoning_effort as string | undefined;
  if (effort && BUDGET[effort]) {
    const budget = BUDGET[effort];
    out.thinking = { type: "enabled", budget_tokens: budget };
    // Anthropic wants room for the answer beyond the budget, and no sampling knobs with thinking.
    out.max_tokens = Math.max(out.max_tokens as number, budget + DEFAULT_MAX_TOKENS);
    for (const k of ["temperature", "top_p"]) {
      if (k in out) {
        drop(`${k} (with thinking)`);
        delete out[k];
      }
    }
  }
  dropFields(
    chat,
    [
      "n",
      "logprobs",
      "top_logprobs",
      "presence_penalty",
      "frequency_penalty",
      "seed",
      "response_format",
      "logit_bias",
    ],
    drop,
  );
  return out;
}

// ---------------------------------------------------------------- messages → chat

/** Anthropic blocks (or a string) as OpenAI content parts. */
function partsFromMessages(content: unknown, drop: Drop): Json[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  const parts: Json[] = [];
  for (const b of asArray(content)) {
    if (b.type === "text") parts.push({ type: "text", text: String(b.text ?? "") });
    else if (b.type === "image") {
      const src = (b.source ?? {}) as Json;
      if (src.type === "base64") {
        parts.push({
          type: "image_url",
          image_url: { url: `data:${src.media_type};base64,${src.data}` },
        });
      } else if (src.type === "url") parts.push({ type: "image_url", image_url: { url: src.url } });
      else drop(`image source '${src.type}'`);
    } else if (b.type !== "tool_result" && b.type !== "tool_use") drop(`content block '${b.type}'`);
  }
  return parts;
}

/** Parts as a plain string when they are all text (what most OpenAI-compatible servers expect). */
function simplify(parts: Json[]): string | Json[] {
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join("\n") : parts;
}

function toolChoiceToChat(
  choice: Json | undefined,
): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (!choice) return {};
  const out: { tool_choice?: unknown; parallel_tool_calls?: boolean } = {};
  if (choice.type === "auto") out.tool_choice = "auto";
  else if (choice.type === "any") out.tool_choice = "required";
  else if (choice.type === "none") out.tool_choice = "none";
  else if (choice.type === "tool") {
    out.tool_choice = { type: "function", function: { name: choice.name } };
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/** An Anthropic messages request as an OpenAI chat completions request. */
export function messagesToChat(body: Json, drop: Drop): Json {
  const messages: Json[] = [];
  const system = typeof body.system === "string" ? body.system : contentText(body.system);
  if (system) messages.push({ role: "system", content: system });
  for (const m of asArray(body.messages)) {
    const role = String(m.role);
    const blocks = typeof m.content === "string" ? [] : asArray(m.content);
    if (role === "system") {
      // Claude Code sometimes sends a system message inside `messages`.
      messages.push({ role: "system", content: contentText(m.content) });
    } else if (role === "assistant") {
      const text = blocks.filter((b) => b.type === "text").map((b) => String(b.text ?? "")).join(
        "",
      );
      const calls = blocks.filter((b) => b.type === "tool_use").map((b) => ({
        id: b.id,
        type: "function",
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      }));
      if (blocks.some((b) => b.type === "thinking" || b.type === "redacted_thinking")) {
        drop("thinking block in history");
      }
      const message: Json = {
        role: "assistant",
        content: typeof m.content === "string" ? m.content : text || null,
      };
      if (calls.length) message.tool_calls = calls;
      messages.push(message);
    } else {
      // Tool results answer the previous assistant turn: they come first, as `tool` messages.
      for (const r of blocks.filter((b) => b.type === "tool_result")) {
        if (asArray(r.content).some((c) => c.type !== "text")) drop("non-text tool_result content");
        messages.push({
          role: "tool",
          tool_call_id: r.tool_use_id,
          content: contentText(r.content),
        });
      }
      const parts = partsFromMessages(m.content, drop);
      if (parts.length) messages.push({ role: "user", content: simplify(parts) });
    }
  }

  const out: Json = { model: body.model, messages, max_tokens: body.max_tokens };
  for (const [theirs, ours] of SAME) if (body[theirs] !== undefined) out[ours] = body[theirs];
  // Usage of a stream comes only when asked for: the Anthropic client gets it in message_delta.
  if (body.stream === true) out.stream_options = { include_usage: true };
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) {
    out.stop = body.stop_sequences;
  }
  const user = (body.metadata as Json | undefined)?.user_id;
  if (typeof user === "string") out.user = user;
  // Anthropic's server tools (web search, code execution…) have no chat equivalent.
  const tools = keepOnly(
    asArray(body.tools),
    (t) => !t.type || t.type === "custom",
    drop,
    (t) => `tool of type '${t.type}'`,
  );
  if (tools.length) {
    out.tools = tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.input_schema },
    }));
    Object.assign(out, toolChoiceToChat(body.tool_choice as Json | undefined));
  }
  const thinking = body.thinking as Json | undefined;
  if (thinking?.type === "enabled") {
    out.reasoning_effort = effortFor(Number(thinking.budget_tokens ?? 0));
  } else if (thinking && thinking.type !== "disabled") drop(`thinking of type '${thinking.type}'`);
  dropFields(
    body,
    [
      "top_k",
      "context_management",
      "output_config",
      "container",
      "mcp_servers",
      "service_tier",
    ],
    drop,
  );
  return out;
}
