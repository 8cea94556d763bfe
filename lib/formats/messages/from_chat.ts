/**
 * An OpenAI chat completions request as an Anthropic messages request: system
 * prompts, history (signed thinking from `reasoning_details` first in its
 * turn), images and PDFs, tools and tool results (ids kept), sampling, stop
 * sequences, reasoning, structured output (as a forced tool, as Anthropic
 * advises). Fields Anthropic has no place for are dropped and reported;
 * content it cannot take is a 400 naming it.
 */
import { DEFAULT_MAX_TOKENS } from "../../api.ts";
import { untranslatable } from "../check.ts";
import { asArray, type Drop, dropFields, type Json, keepOnly, parseArguments } from "../json.ts";
import type { Answer, AnswerEvent, Block } from "../neutral.ts";
import { contentText, dataUrl } from "../text.ts";
import { BUDGET, TOOL_ERROR } from "./thinking.ts";

/** The tool a JSON-schema answer is asked for as, when the schema has no name. */
export const STRUCTURED_TOOL = "structured_output";

function imageBlock(part: Json): Json {
  const url = String((part.image_url as Json | undefined)?.url ?? part.image_url ?? "");
  const data = dataUrl(url);
  if (data) {
    return {
      type: "image",
      source: { type: "base64", media_type: data.mediaType, data: data.data },
    };
  }
  if (/^https?:\/\//.test(url)) return { type: "image", source: { type: "url", url } };
  throw untranslatable("an image_url that is neither a data: nor an http(s) URL");
}

/** OpenAI's `file` part (a PDF as a data URL) as a document block; a file id is OpenAI's alone. */
function documentBlock(part: Json): Json {
  const file = (part.file ?? {}) as Json;
  const data = dataUrl(String(file.file_data ?? ""));
  if (!data) throw untranslatable("a file part without file_data (file ids are OpenAI's)");
  return {
    type: "document",
    source: { type: "base64", media_type: data.mediaType, data: data.data },
  };
}

/** OpenAI content (string or parts) as Anthropic blocks. */
function blocksFromChat(content: unknown): Json[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return asArray(content).map((part) => {
    if (part.type === "text") return { type: "text", text: String(part.text ?? "") };
    if (part.type === "image_url") return imageBlock(part);
    if (part.type === "file") return documentBlock(part);
    throw untranslatable(`a content part of type '${part.type}'`);
  });
}

/** Signed thinking from `reasoning_details` (what a chat client replays), as the blocks it came from. */
function thinkingBlocks(m: Json): Json[] {
  const details = asArray(m.reasoning_details);
  const text = typeof m.reasoning_content === "string" ? m.reasoning_content : "";
  return details.flatMap((d): Json[] => {
    if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
      return [{ type: "redacted_thinking", data: d.data }];
    }
    if (typeof d.signature !== "string" || !d.signature) return [];
    // A detail streamed without its text (older clients merge text elsewhere) takes the message's.
    const thinking = typeof d.text === "string" && d.text !== "" ? d.text : text;
    return [{ type: "thinking", thinking, signature: d.signature }];
  });
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
  // Anthropic's schema has no such flag on a `none` choice.
  if (parallel === false && out?.type !== "none") {
    out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  return out;
}

/** A tool message's content as a tool_result; chat's `[tool error] ` convention is Anthropic's `is_error`. */
function toolResult(m: Json): Json {
  const content = typeof m.content === "string" ? m.content : contentText(m.content);
  const failed = content.startsWith(TOOL_ERROR);
  const result: Json = {
    type: "tool_result",
    tool_use_id: String(m.tool_call_id ?? ""),
    content: failed ? content.slice(TOOL_ERROR.length) : content,
  };
  if (failed) result.is_error = true;
  return result;
}

/** An OpenAI chat completions request as an Anthropic messages request. */
export function chatToMessages(chat: Json, drop: Drop): Json {
  const system: Json[] = [];
  const messages: Json[] = [];
  for (const m of asArray(chat.messages)) {
    const role = String(m.role);
    if (role === "system" || role === "developer") {
      for (const b of blocksFromChat(m.content)) {
        if (b.type !== "text") throw untranslatable(`a ${b.type} in a system message`);
        system.push(b);
      }
    } else if (role === "tool") push(messages, "user", [toolResult(m)]);
    else if (role === "assistant") {
      const blocks = [...thinkingBlocks(m), ...blocksFromChat(m.content)];
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
    } else push(messages, "user", blocksFromChat(m.content));
  }

  const out: Json = {
    model: chat.model,
    max_tokens: Number(chat.max_completion_tokens ?? chat.max_tokens ?? DEFAULT_MAX_TOKENS),
    messages,
  };
  if (system.length) out.system = system;
  for (const k of ["temperature", "top_p", "stream"]) if (chat[k] !== undefined) out[k] = chat[k];
  if (chat.stop !== undefined && chat.stop !== null) {
    out.stop_sequences = Array.isArray(chat.stop) ? chat.stop : [chat.stop];
  }
  if (typeof chat.user === "string") out.metadata = { user_id: chat.user };
  const tools: Json[] = keepOnly(
    asArray(chat.tools),
    (t) => t.type === "function",
    drop,
    (t) => `tool of type '${t.type}'`,
  ).map((t) => {
    const fn = (t.function ?? {}) as Json;
    return {
      name: fn.name,
      description: fn.description,
      input_schema: fn.parameters ?? { type: "object", properties: {} },
    };
  });
  let choice = toolChoiceToMessages(chat.tool_choice, chat.parallel_tool_calls);
  const structured = structuredTool(chat.response_format);
  if (structured) {
    // Anthropic's advice for JSON that follows a schema: one tool with that schema, its use forced.
    tools.push(structured);
    choice = { type: "tool", name: STRUCTURED_TOOL };
  }
  if (tools.length) out.tools = tools;
  if (choice && (tools.length || choice.type === "none")) out.tool_choice = choice;
  thinkingFor(out, chat, drop);
  dropFields(
    chat,
    [
      "n",
      "logprobs",
      "top_logprobs",
      "presence_penalty",
      "frequency_penalty",
      "seed",
      "logit_bias",
    ],
    drop,
  );
  return out;
}

/** `response_format` json_schema / json_object as the tool its answer comes back through. */
function structuredTool(
  format: unknown,
): { name: string; description: string; input_schema: unknown } | null {
  const f = format as Json | undefined;
  if (f?.type === "json_object") {
    return {
      name: STRUCTURED_TOOL,
      description: "Answer with this tool: its input is the answer, a JSON object.",
      input_schema: { type: "object" },
    };
  }
  if (f?.type !== "json_schema") return null;
  const spec = (f.json_schema ?? {}) as Json;
  return {
    name: STRUCTURED_TOOL,
    description: String(
      spec.description ??
        `Answer with this tool: its input is the answer, following the schema${
          spec.name ? ` '${spec.name}'` : ""
        }.`,
    ),
    input_schema: spec.schema ?? { type: "object" },
  };
}

/**
 * `reasoning_effort` as Anthropic thinking, when Anthropic would take it:
 * never with a forced tool choice (Anthropic refuses that), nor when the
 * last assistant turn with tool calls came back without its signed thinking
 * (Anthropic refuses that too) — then thinking is off for this request, and
 * the log says why.
 */
function thinkingFor(out: Json, chat: Json, drop: Drop): void {
  const effort = chat.reasoning_effort as string | undefined;
  if (!effort || !BUDGET[effort]) return;
  const choice = (out.tool_choice as Json | undefined)?.type;
  if (choice === "any" || choice === "tool") {
    return drop(
      "reasoning_effort (thinking is off: Anthropic refuses it with a forced tool choice)",
      true,
    );
  }
  const last = (out.messages as Json[]).findLast((m) => m.role === "assistant");
  const blocks = asArray(last?.content);
  if (blocks.some((b) => b.type === "tool_use") && !/thinking/.test(String(blocks[0]?.type))) {
    return drop(
      "reasoning_effort (thinking is off: the last assistant turn came back without its signed thinking)",
      true,
    );
  }
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

/** True when a client request (chat's `response_format`, Responses' `text.format`) asks for JSON. */
export function asksForJson(request: Json): boolean {
  const format = (request.response_format ??
    ((request.text as Json | undefined)?.format)) as Json | undefined;
  return format?.type === "json_schema" || format?.type === "json_object";
}

/** The forced tool's input, in an answer to a JSON request, as the answer's text: what the client asked for. */
export function structuredAnswer(answer: Answer): Answer {
  const blocks = answer.blocks.map((b): Block =>
    b.type === "tool_call" && b.name === STRUCTURED_TOOL ? { type: "text", text: b.arguments } : b
  );
  return { ...answer, blocks, stop: answer.stop === "tool_use" ? "end_turn" : answer.stop };
}

/** `structuredAnswer`, event by event: the forced tool's arguments stream as text. */
export function structuredEvents(): TransformStream<AnswerEvent, AnswerEvent> {
  const forced = new Set<number>();
  return new TransformStream<AnswerEvent, AnswerEvent>({
    transform(ev, out) {
      if (ev.type === "tool_call" && ev.name === STRUCTURED_TOOL) return void forced.add(ev.index);
      if (ev.type === "tool_args" && forced.has(ev.index)) {
        return out.enqueue({ type: "text", text: ev.arguments });
      }
      if (ev.type === "finish" && ev.stop === "tool_use" && forced.size) {
        return out.enqueue({ ...ev, stop: "end_turn" });
      }
      out.enqueue(ev);
    },
  });
}
