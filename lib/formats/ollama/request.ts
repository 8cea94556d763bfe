/**
 * Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * `/api/chat` requests from chat-shaped ones, `/api/embed` from OpenAI embeddings requests.
 */
import { asArray, type Drop, dropFields, type Json, parseArguments } from "../json.ts";
import { contentText } from "../text.ts";

/** Clients may name Ollama models `ollama/llama3`; Ollama knows them as `llama3`. */
export function ollamaModel(model: string): string {
  return model.startsWith("ollama/") ? model.slice("ollama/".length) : model;
}

/** An OpenAI chat request as an Ollama `/api/chat` request. */
export function chatToOllama(chat: Json, drop: Drop): Json {
  const messages = asArray(chat.messages).map((m) => {
    const out: Json = {
      role: m.role === "developer" ? "system" : m.role,
      content: contentText(m.content),
    };
    const images: string[] = [];
    for (const part of asArray(m.content)) {
      if (part.type !== "image_url") continue;
      const url = String((part.image_url as Json | undefined)?.url ?? "");
      const data = /^data:[^;,]+;base64,(.*)$/s.exec(url);
      if (data) images.push(data[1]);
      else drop("image_url that is not a data: URL");
    }
    if (images.length) out.images = images;
    const calls = asArray(m.tool_calls);
    if (calls.length) {
      out.tool_calls = calls.map((c) => {
        const fn = (c.function ?? {}) as Json;
        return { function: { name: fn.name, arguments: parseArguments(fn.arguments) } };
      });
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
