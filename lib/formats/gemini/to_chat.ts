/**
 * A Gemini `generateContent` request (Gemini CLI's, the `@google/genai`
 * SDK's) in the chat shape: `systemInstruction` as the system message; user
 * turns' text, inline images and files; model turns' text, thoughts and
 * function calls (ids made up where Gemini sent none, then paired with the
 * function responses by name and order); function declarations with
 * `parametersJsonSchema` or OpenAPI `parameters`; `generationConfig`'s
 * sampling, JSON output and thinking; `toolConfig` as `tool_choice`. What
 * chat has no place for is dropped and reported; content it cannot take is a
 * 400 naming it.
 */
import { z } from "zod";
import { shapeCheck, untranslatable } from "../check.ts";
import { asArray, type Drop, dropFields, type Json } from "../json.ts";
import { chatToolCall, maxTokensField, reasoningDetails } from "../chat/answer.ts";
import { type Block, newId } from "../neutral.ts";
import { partBlock } from "./answer.ts";
import { textOrParts } from "../text.ts";

const part = z.looseObject({});
const content = z.looseObject({ role: z.string().optional(), parts: z.array(part) });

/** What the translation reads of a Gemini request. */
export const checkGemini = shapeCheck(z.looseObject({
  contents: z.array(content),
  systemInstruction: z.union([z.string(), content.partial({ parts: true })]).optional(),
  tools: z.array(z.looseObject({})).optional(),
  generationConfig: z.looseObject({}).optional(),
}));

/** A user part as a chat content part. */
function userPart(p: Json): Json {
  if (typeof p.text === "string") return { type: "text", text: p.text };
  const inline = (p.inlineData ?? p.fileData) as Json | undefined;
  if (inline) {
    const mime = String(inline.mimeType ?? "");
    const url = p.inlineData ? `data:${mime};base64,${inline.data}` : String(inline.fileUri ?? "");
    if (mime.startsWith("image/")) return { type: "image_url", image_url: { url } };
    if (mime === "application/pdf" && p.inlineData) {
      return { type: "file", file: { filename: "document.pdf", file_data: url } };
    }
    throw untranslatable(`a ${p.inlineData ? "inline" : "file"} part of type '${mime}'`);
  }
  throw untranslatable(`a part with ${Object.keys(p).join(", ") || "nothing"} in it`);
}

/** A function response's `response` as a tool message's text: `output` or `result` as it is, else the JSON. */
function responseText(response: unknown): string {
  const r = response as Json | undefined;
  for (const key of ["output", "result", "content"]) {
    if (r && typeof r[key] === "string" && Object.keys(r).length === 1) return r[key] as string;
  }
  return JSON.stringify(response ?? {});
}

/** OpenAPI's schema (Gemini's `parameters`: `STRING`, `nullable`) as JSON Schema. */
export function openApiToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiToJsonSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === "nullable") continue;
    if (key === "type" && typeof value === "string") out.type = value.toLowerCase();
    else if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, s]) => [name, openApiToJsonSchema(s)]),
      );
    } else if (key === "items" || key === "anyOf") out[key] = openApiToJsonSchema(value);
    else out[key] = value;
  }
  if ((schema as Json).nullable === true && typeof out.type === "string") {
    out.type = [out.type, "null"];
  }
  return out;
}

/** Gemini's function declarations as chat tools; its built-in tools (search, code) are reported dropped. */
function chatTools(tools: Json[], drop: Drop): Json[] {
  const out: Json[] = [];
  for (const tool of tools) {
    for (const key of Object.keys(tool)) {
      if (key !== "functionDeclarations") drop(`tool '${key}'`);
    }
    for (const fn of asArray(tool.functionDeclarations)) {
      // Gemini's clients write OpenAPI's upper-case types even in `parametersJsonSchema`.
      const parameters = openApiToJsonSchema(fn.parametersJsonSchema ?? fn.parameters) ??
        { type: "object", properties: {} };
      out.push({
        type: "function",
        function: { name: fn.name, description: fn.description, parameters },
      });
    }
  }
  return out;
}

function toolChoice(config: Json | undefined): unknown {
  const calling = (config?.functionCallingConfig ?? {}) as Json;
  const allowed = asArray(calling.allowedFunctionNames) as unknown as string[];
  if (calling.mode === "NONE") return "none";
  if (calling.mode === "ANY") {
    return allowed.length === 1 ? { type: "function", function: { name: allowed[0] } } : "required";
  }
  return calling.mode ? "auto" : undefined;
}

/** Gemini's thinking settings as `reasoning_effort`: a level as it is, a budget by its size. */
function effort(thinking: Json | undefined): string | undefined {
  if (!thinking) return undefined;
  if (typeof thinking.thinkingLevel === "string") return thinking.thinkingLevel.toLowerCase();
  const budget = thinking.thinkingBudget;
  if (typeof budget !== "number") return undefined;
  if (budget === 0) return "none";
  if (budget < 0) return "medium";
  return budget <= 1024 ? "low" : budget <= 8192 ? "medium" : "high";
}

/** The calls of model turns given ids, so each function response finds its call. */
class CallIds {
  /** Unanswered call ids by function name, oldest first. */
  readonly #open = new Map<string, string[]>();

  call(name: string, id: unknown): string {
    const given = typeof id === "string" && id ? id : newId("call_");
    const list = this.#open.get(name) ?? [];
    list.push(given);
    this.#open.set(name, list);
    return given;
  }

  /** The id of the call this response answers: its own id, else the oldest open call of its name. */
  answer(name: string, id: unknown): string {
    const list = this.#open.get(name) ?? [];
    const at = typeof id === "string" ? list.indexOf(id) : -1;
    if (at >= 0) return list.splice(at, 1)[0];
    return list.shift() ?? (typeof id === "string" && id ? id : newId("call_"));
  }
}

/** A model turn as chat's assistant message, through the neutral blocks Gemini's answers read as. */
function modelMessage(parts: Json[], ids: CallIds, drop: Drop): Json {
  const blocks: Block[] = [];
  for (const p of parts) {
    const block = partBlock(p);
    if (!block) {
      if (typeof p.text !== "string") drop(`a model part with ${Object.keys(p).join(", ")}`);
      continue;
    }
    if (block.type === "tool_call") {
      block.id = ids.call(block.name, (p.functionCall as Json).id);
    } else if (block.type === "reasoning" && typeof p.thoughtSignature === "string") {
      // A signed thought came from Anthropic through this proxy: it goes back signed.
      block.signature = p.thoughtSignature;
    }
    blocks.push(block);
  }
  const said = (type: "text" | "reasoning") =>
    blocks.map((b) => (b.type === type ? b.text : "")).join("");
  const message: Json = { role: "assistant", content: said("text") || null };
  const calls = blocks.filter((b) => b.type === "tool_call").map(chatToolCall);
  if (calls.length) message.tool_calls = calls;
  if (said("reasoning")) message.reasoning_content = said("reasoning");
  const details = reasoningDetails(blocks);
  if (details) message.reasoning_details = details;
  return message;
}

/** A user turn: its function responses as tool messages (they answer the turn before), the rest as a user message. */
function userMessages(parts: Json[], ids: CallIds): Json[] {
  const out: Json[] = [];
  const rest: Json[] = [];
  for (const p of parts) {
    if (p.functionResponse) {
      const r = p.functionResponse as Json;
      out.push({
        role: "tool",
        tool_call_id: ids.answer(String(r.name ?? ""), r.id),
        content: responseText(r.response),
      });
    } else rest.push(userPart(p));
  }
  if (rest.length) out.push({ role: "user", content: textOrParts(rest, "") });
  return out;
}

function systemText(system: unknown): string {
  if (typeof system === "string") return system;
  return asArray((system as Json | undefined)?.parts).map((p) => String(p.text ?? "")).join("\n");
}

export function geminiToChat(body: Json, drop: Drop): Json {
  const messages: Json[] = [];
  const system = systemText(body.systemInstruction);
  if (system) messages.push({ role: "system", content: system });
  const ids = new CallIds();
  for (const turn of asArray(body.contents)) {
    const parts = asArray(turn.parts);
    if (turn.role === "model") messages.push(modelMessage(parts, ids, drop));
    else messages.push(...userMessages(parts, ids));
  }
  const out: Json = { model: body.model, messages };
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const config = (body.generationConfig ?? {}) as Json;
  if (config.maxOutputTokens !== undefined) {
    out[maxTokensField(String(body.model))] = config.maxOutputTokens;
  }
  const same: [string, string][] = [
    ["temperature", "temperature"],
    ["topP", "top_p"],
    ["seed", "seed"],
    ["presencePenalty", "presence_penalty"],
    ["frequencyPenalty", "frequency_penalty"],
    ["stopSequences", "stop"],
  ];
  for (const [from, to] of same) if (config[from] !== undefined) out[to] = config[from];
  if (typeof config.candidateCount === "number" && config.candidateCount > 1) {
    out.n = config.candidateCount;
  }
  const schema = openApiToJsonSchema(config.responseJsonSchema ?? config.responseSchema);
  if (schema !== undefined) {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: "output", schema, strict: false },
    };
  } else if (config.responseMimeType === "application/json") {
    out.response_format = { type: "json_object" };
  }
  const thinks = effort(config.thinkingConfig as Json | undefined);
  if (thinks) out.reasoning_effort = thinks;
  const tools = chatTools(asArray(body.tools), drop);
  if (tools.length) {
    out.tools = tools;
    const choice = toolChoice(body.toolConfig as Json | undefined);
    if (choice !== undefined) out.tool_choice = choice;
  }
  dropFields(config, ["topK", "responseModalities", "speechConfig", "mediaResolution"], drop);
  dropFields(body, ["safetySettings", "cachedContent"], drop);
  return out;
}
