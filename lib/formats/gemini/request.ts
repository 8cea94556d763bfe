/**
 * Gemini's `generateContent` requests from chat-shaped ones
 * (https://ai.google.dev/api/generate-content): the system prompt as
 * `systemInstruction`, turns as `contents` (the assistant is `model`, tool
 * results go back as `functionResponse` parts of a user turn), images as
 * `inlineData`, tools as `functionDeclarations` with their JSON Schema, the
 * sampling settings and thinking in `generationConfig`.
 */
import { asArray, type Drop, dropFields, type Json, parseArguments } from "../json.ts";
import { contentText } from "../text.ts";
import { thoughtSignature } from "../chat/answer.ts";
import { alternatingTurns, contentParts, functionTools, namedTool, sampling } from "../turns.ts";

/** Clients may name a model `models/gemini-2.5-pro`; the path takes it without the prefix. */
export function geminiModel(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}

/** The method of a Gemini model a call goes to (its path's end, query included). */
export function geminiMethod(call: { api: string; stream: boolean }): string {
  if (call.api === "gemini_count_tokens") return "countTokens";
  return call.stream ? "streamGenerateContent?alt=sse" : "generateContent";
}

/** A chat message's content as Gemini parts: text and inline images (Gemini takes no image URLs here). */
const parts = (content: unknown) =>
  contentParts(
    content,
    (mimeType, data) => ({ inlineData: { mimeType, data } }),
    "an image by URL (Gemini takes inline images here)",
  );

/** A tool result as Gemini's `response` object: JSON objects as they are, anything else wrapped. */
function toolResponse(content: unknown): Json {
  const text = contentText(content);
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch { /* plain text */ }
  return { result: text };
}

const BUDGETS: Record<string, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};

export function chatToGemini(chat: Json, drop: Drop): Json {
  const system: Json[] = [];
  const { turns: contents, add } = alternatingTurns("parts");
  /** Tool names by call id: a functionResponse names its function. */
  const names = new Map<string, string>();
  for (const m of asArray(chat.messages)) {
    if (m.role === "system" || m.role === "developer") system.push(...parts(m.content));
    else if (m.role === "user") add("user", parts(m.content));
    else if (m.role === "tool") {
      const name = names.get(String(m.tool_call_id)) ?? String(m.name ?? "tool");
      add("user", [{
        functionResponse: { id: m.tool_call_id, name, response: toolResponse(m.content) },
      }]);
    } else if (m.role === "assistant") {
      if (typeof m.reasoning_content === "string" && m.reasoning_content) drop("reasoning_content");
      const calls = asArray(m.tool_calls).map((c) => {
        const fn = (c.function ?? {}) as Json;
        names.set(String(c.id), String(fn.name ?? ""));
        const signature = thoughtSignature(c);
        return {
          functionCall: { id: c.id, name: fn.name, args: parseArguments(fn.arguments) },
          ...(signature ? { thoughtSignature: signature } : {}),
        };
      });
      add("model", [...parts(m.content), ...calls]);
    }
  }
  const { maxTokens, ...config } = sampling(chat);
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (chat.seed !== undefined) config.seed = chat.seed;
  const format = chat.response_format as Json | undefined;
  if (format?.type === "json_object") config.responseMimeType = "application/json";
  else if (format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    config.responseJsonSchema = (format.json_schema as Json | undefined)?.schema;
  }
  if (typeof chat.reasoning_effort === "string") {
    config.thinkingConfig = chat.reasoning_effort === "none"
      ? { thinkingBudget: 0 }
      : { thinkingBudget: BUDGETS[chat.reasoning_effort] ?? 8192, includeThoughts: true };
  }
  const out: Json = { contents };
  if (system.length) out.systemInstruction = { parts: system };
  const tools = functionTools(chat, drop);
  if (tools.length) {
    out.tools = [{
      functionDeclarations: tools.map(({ parameters, ...t }) =>
        parameters ? { ...t, parametersJsonSchema: parameters } : t
      ),
    }];
  }
  const choice = chat.tool_choice as string | Json | undefined;
  if (choice !== undefined) {
    const named = namedTool(choice);
    const mode = named
      ? "ANY"
      : choice === "none"
      ? "NONE"
      : choice === "required"
      ? "ANY"
      : "AUTO";
    out.toolConfig = {
      functionCallingConfig: { mode, ...(named ? { allowedFunctionNames: [named] } : {}) },
    };
  }
  if (Object.keys(config).length) out.generationConfig = config;
  dropFields(chat, [
    "n",
    "logprobs",
    "presence_penalty",
    "frequency_penalty",
    "parallel_tool_calls",
  ], drop);
  return out;
}
