/**
 * Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * `/api/chat` requests from chat-shaped ones, `/api/embed` from OpenAI embeddings requests.
 */
import { untranslatable } from "../check.ts";
import { asArray, type Drop, dropFields, type Json, parseArguments } from "../json.ts";
import { contentText, dataUrl } from "../text.ts";

/** Clients may name Ollama models `ollama/llama3`; Ollama knows them as `llama3`. */
export function ollamaModel(model: string): string {
  return model.startsWith("ollama/") ? model.slice("ollama/".length) : model;
}

/** A chat message's images as Ollama's base64 list; Ollama takes no URLs, and no other kind of part. */
function images(content: unknown): string[] {
  return asArray(content).flatMap((part) => {
    if (part.type === "text") return [];
    if (part.type !== "image_url") throw untranslatable(`a content part of type '${part.type}'`);
    const url = String((part.image_url as Json | undefined)?.url ?? "");
    const data = dataUrl(url);
    if (!data) throw untranslatable("an image by URL (Ollama takes base64 images only)");
    return [data.data];
  });
}

/** An OpenAI chat request as an Ollama `/api/chat` request. */
export function chatToOllama(chat: Json, drop: Drop): Json {
  /** Tool names by call id: Ollama's tool messages name the tool (`tool_name`). */
  const names = new Map<string, string>();
  const messages = asArray(chat.messages).map((m) => {
    const out: Json = {
      role: m.role === "developer" ? "system" : m.role,
      content: contentText(m.content),
    };
    const pictures = images(m.content);
    if (pictures.length) out.images = pictures;
    // Thinking goes back with its turn, as Ollama's tool-calling guide asks.
    if (typeof m.reasoning_content === "string" && m.reasoning_content) {
      out.thinking = m.reasoning_content;
    }
    const calls = asArray(m.tool_calls);
    if (calls.length) {
      out.tool_calls = calls.map((c) => {
        const fn = (c.function ?? {}) as Json;
        names.set(String(c.id), String(fn.name ?? ""));
        return { function: { name: fn.name, arguments: parseArguments(fn.arguments) } };
      });
    }
    if (m.role === "tool") {
      const name = names.get(String(m.tool_call_id));
      if (name) out.tool_name = name;
    }
    return out;
  });
  const options: Json = {};
  if (chat.temperature !== undefined) options.temperature = chat.temperature;
  if (chat.top_p !== undefined) options.top_p = chat.top_p;
  if (chat.seed !== undefined) options.seed = chat.seed;
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  if (chat.stop !== undefined && chat.stop !== null) {
    options.stop = Array.isArray(chat.stop) ? chat.stop : [chat.stop];
  }
  const out: Json = {
    model: ollamaModel(String(chat.model)),
    messages,
    stream: chat.stream === true,
    options,
  };
  if (Array.isArray(chat.tools) && chat.tools.length) out.tools = chat.tools;
  const format = chat.response_format as Json | undefined;
  if (format?.type === "json_object") out.format = "json";
  else if (format?.type === "json_schema") {
    out.format = (format.json_schema as Json | undefined)?.schema;
  }
  if (chat.reasoning_effort) out.think = true;
  dropFields(chat, ["n", "logprobs", "tool_choice", "presence_penalty", "frequency_penalty"], drop);
  return out;
}

/** An OpenAI embeddings request as an Ollama `/api/embed` request. */
export function embeddingsToOllama(body: Json, drop: Drop): Json {
  const out: Json = { model: ollamaModel(String(body.model)), input: body.input };
  if (body.dimensions !== undefined) out.dimensions = body.dimensions;
  if (body.user !== undefined) drop("user");
  return out;
}
