/**
 * An Anthropic messages request as an OpenAI chat completions request:
 * history with its thinking replayed (`reasoning_content`, and
 * `reasoning_details` with the signatures, which DeepSeek, OpenRouter and
 * Gemini's OpenAI endpoint want back on tool turns), images and PDFs, tools
 * and tool results (images in a result follow it as a user message),
 * sampling, stop sequences. Fields chat has no place for are dropped and
 * reported; content it cannot take is a 400 naming it.
 */
import { untranslatable } from "../check.ts";
import { asArray, type Drop, dropFields, type Json, keepOnly } from "../json.ts";
import { contentText, textOrParts } from "../text.ts";
import { maxTokensField, SIGNED_FORMAT } from "../chat/answer.ts";
import { carriedSignature } from "./answer.ts";
import { effortFor, TOOL_ERROR } from "./thinking.ts";

/** One Anthropic content block as chat content parts. */
function partOf(b: Json): Json {
  if (b.type === "text") return { type: "text", text: String(b.text ?? "") };
  const src = (b.source ?? {}) as Json;
  if (b.type === "image") {
    if (src.type === "base64") {
      return { type: "image_url", image_url: { url: `data:${src.media_type};base64,${src.data}` } };
    }
    if (src.type === "url") return { type: "image_url", image_url: { url: src.url } };
    throw untranslatable(`an image of source type '${src.type}'`);
  }
  if (b.type === "document") {
    if (src.type === "base64") {
      return {
        type: "file",
        file: {
          filename: String(b.title ?? "document.pdf"),
          file_data: `data:${src.media_type};base64,${src.data}`,
        },
      };
    }
    if (src.type === "text") return { type: "text", text: String(src.data ?? "") };
    throw untranslatable(`a document of source type '${src.type}' (chat takes base64 PDFs)`);
  }
  throw untranslatable(`a content block of type '${b.type}'`);
}

function toolChoiceToChat(choice: Json | undefined): Json {
  if (!choice) return {};
  const out: Json = {};
  if (choice.type === "auto") out.tool_choice = "auto";
  else if (choice.type === "any") out.tool_choice = "required";
  else if (choice.type === "none") out.tool_choice = "none";
  else if (choice.type === "tool") {
    out.tool_choice = { type: "function", function: { name: choice.name } };
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/**
 * An assistant turn: its thinking replayed, its text, its tool calls (with
 * any carried signature). `thinking`: the conversation thinks, so every
 * assistant turn carries `reasoning_content`, even when empty (DeepSeek: "The
 * `reasoning_content` in the thinking mode must be passed back to the API.").
 */
function assistantMessage(m: Json, thinking: boolean): Json {
  if (typeof m.content === "string") return { role: "assistant", content: m.content };
  const blocks = asArray(m.content);
  const message: Json = { role: "assistant", content: null };
  const text = blocks.filter((b) => b.type === "text").map((b) => String(b.text ?? "")).join("");
  if (text) message.content = text;
  const details: Json[] = [];
  const carried = new Map<string, string>();
  let thought = "";
  for (const b of blocks) {
    const signature = carriedSignature(b.signature);
    if (signature) carried.set(signature[0], signature[1]);
    else if (b.type === "thinking") {
      thought += String(b.thinking ?? "");
      // Unsigned thinking (an OpenAI-compatible server's own) goes back as reasoning_content alone.
      if (b.signature) {
        details.push({
          type: "reasoning.text",
          text: b.thinking,
          signature: b.signature,
          format: SIGNED_FORMAT,
          index: details.length,
        });
      }
    } else if (b.type === "redacted_thinking") {
      details.push({
        type: "reasoning.encrypted",
        data: b.data,
        format: SIGNED_FORMAT,
        index: details.length,
      });
    }
  }
  const calls = blocks.filter((b) => b.type === "tool_use").map((b) => {
    const call: Json = {
      id: b.id,
      type: "function",
      function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
    };
    const signature = carried.get(String(b.id));
    if (signature) call.extra_content = { google: { thought_signature: signature } };
    return call;
  });
  if (calls.length) message.tool_calls = calls;
  if (thought || details.length || thinking) message.reasoning_content = thought;
  if (details.length) message.reasoning_details = details;
  return message;
}

/** A user turn: tool results first (they answer the turn before), as tool messages; the rest as a user message. */
function userMessages(m: Json): Json[] {
  if (typeof m.content === "string") return [{ role: "user", content: m.content }];
  const out: Json[] = [];
  const images: Json[] = [];
  for (const r of asArray(m.content).filter((b) => b.type === "tool_result")) {
    const content = typeof r.content === "string"
      ? [{ type: "text", text: r.content }]
      : asArray(r.content);
    const text = content.filter((c) => c.type === "text").map((c) => String(c.text ?? "")).join(
      "\n",
    );
    // A chat tool message holds text only: what else the result had follows it as user content.
    for (const c of content) if (c.type !== "text") images.push(partOf(c));
    out.push({
      role: "tool",
      tool_call_id: r.tool_use_id,
      content: r.is_error === true ? TOOL_ERROR + text : text,
    });
  }
  const rest = asArray(m.content).filter((b) => b.type !== "tool_result").map(partOf);
  const parts = [...images, ...rest];
  if (parts.length) out.push({ role: "user", content: textOrParts(parts, "\n") });
  return out;
}

/** An Anthropic messages request as an OpenAI chat completions request. */
export function messagesToChat(body: Json, drop: Drop): Json {
  const messages: Json[] = [];
  const effort = reasoningEffort(body, drop);
  const thinks = effort !== undefined;
  const system = typeof body.system === "string" ? body.system : contentText(body.system);
  if (system) messages.push({ role: "system", content: system });
  for (const m of asArray(body.messages)) {
    const role = String(m.role);
    // Claude Code sometimes sends a system message inside `messages`.
    if (role === "system") messages.push({ role: "system", content: contentText(m.content) });
    else if (role === "assistant") messages.push(assistantMessage(m, thinks));
    else messages.push(...userMessages(m));
  }

  const out: Json = { model: body.model, messages };
  if (body.max_tokens !== undefined) out[maxTokensField(String(body.model))] = body.max_tokens;
  for (const k of ["temperature", "top_p", "stream"]) if (body[k] !== undefined) out[k] = body[k];
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
  if (effort) out.reasoning_effort = effort;
  const config = (body.output_config ?? {}) as Json;
  const format = config.format as Json | undefined;
  if (format?.type === "json_schema") {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: "output", schema: format.schema, strict: true },
    };
  }
  dropFields(
    body,
    ["top_k", "context_management", "container", "mcp_servers", "service_tier"],
    drop,
  );
  return out;
}

/** Anthropic's effort words as `reasoning_effort`'s (its `max` is OpenAI's `xhigh`). */
const EFFORT: Record<string, string> = { low: "low", medium: "medium", high: "high", max: "xhigh" };

/**
 * How hard the model thinks, as `reasoning_effort`: from a thinking budget,
 * or, for adaptive thinking (Claude Code's), from `output_config.effort`.
 */
function reasoningEffort(body: Json, drop: Drop): string | undefined {
  const thinking = body.thinking as Json | undefined;
  if (thinking?.type === "enabled") return effortFor(Number(thinking.budget_tokens ?? 0));
  if (thinking?.type === "adaptive") {
    const said = String((body.output_config as Json | undefined)?.effort ?? "medium");
    return EFFORT[said] ?? (drop(`output_config.effort '${said}'`), "medium");
  }
  if (thinking && thinking.type !== "disabled") drop(`thinking of type '${thinking.type}'`);
  return undefined;
}
