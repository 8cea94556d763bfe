/**
 * Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * `/api/chat` from an OpenAI chat request and back (NDJSON streams included),
 * `/api/embed` from an OpenAI embeddings request and back.
 */
import { Buffer } from "node:buffer";
import { UpstreamFailure } from "../providers/types.ts";
import type { Answer, AnswerEvent, Block, StopReason, Usage } from "./answer.ts";
import { emptyUsage, mergeUsage, newId } from "./answer.ts";
import type { Drop } from "./chat_messages.ts";
import { contentText } from "./prompt_text.ts";

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

/** Clients may name Ollama models `ollama/llama3`; Ollama knows them as `llama3`. */
export function ollamaModel(model: string): string {
  return model.startsWith("ollama/") ? model.slice("ollama/".length) : model;
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
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
  for (const k of ["n", "logprobs", "tool_choice", "presence_penalty", "frequency_penalty"]) {
    if (chat[k] !== undefined && chat[k] !== null) drop(k);
  }
  return out;
}

function stopReason(reason: unknown, calledTools: boolean): StopReason {
  if (calledTools) return "tool_use";
  return reason === "length" ? "max_tokens" : "end_turn";
}

function usage(line: Json): Partial<Usage> {
  return {
    prompt_tokens: Number(line.prompt_eval_count ?? 0),
    completion_tokens: Number(line.eval_count ?? 0),
  };
}

function toolBlocks(message: Json): Block[] {
  return asArray(message.tool_calls).map((c) => {
    const fn = (c.function ?? {}) as Json;
    return {
      type: "tool_call",
      id: String(c.id ?? newId("call_")),
      name: String(fn.name ?? ""),
      arguments: JSON.stringify(fn.arguments ?? {}),
    };
  });
}

/** A whole `/api/chat` answer. */
export function decodeOllamaChat(json: Json): Answer {
  const message = (json.message ?? {}) as Json;
  const blocks: Block[] = [];
  if (message.thinking) blocks.push({ type: "reasoning", text: String(message.thinking) });
  if (message.content) blocks.push({ type: "text", text: String(message.content) });
  const tools = toolBlocks(message);
  blocks.push(...tools);
  return {
    id: newId("chatcmpl-"),
    model: String(json.model ?? ""),
    created: Math.floor(Date.parse(String(json.created_at ?? "")) / 1000) ||
      Math.floor(Date.now() / 1000),
    blocks,
    stop: stopReason(json.done_reason, tools.length > 0),
    stopSequence: null,
    usage: mergeUsage(emptyUsage(), usage(json)),
  };
}

/** Ollama's NDJSON stream (one JSON object a line) to neutral events. */
export function ollamaStreamDecoder(): TransformStream<string, AnswerEvent> {
  let buffer = "";
  let started = false;
  let tools = 0;
  const line = (text: string, out: TransformStreamDefaultController<AnswerEvent>) => {
    if (text.trim() === "") return;
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamFailure(
        "network",
        `upstream sent a line that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (json.error) {
      throw new UpstreamFailure("network", `upstream error mid-stream: ${json.error}`);
    }
    if (!started) {
      started = true;
      out.enqueue({
        type: "start",
        id: newId("chatcmpl-"),
        model: String(json.model ?? ""),
        created: Math.floor(Date.now() / 1000),
      });
    }
    const message = (json.message ?? {}) as Json;
    if (message.thinking) out.enqueue({ type: "reasoning", text: String(message.thinking) });
    if (message.content) out.enqueue({ type: "text", text: String(message.content) });
    for (const call of toolBlocks(message) as Extract<Block, { type: "tool_call" }>[]) {
      const index = tools++;
      out.enqueue({ type: "tool_call", index, id: call.id, name: call.name });
      out.enqueue({ type: "tool_args", index, arguments: call.arguments });
    }
    if (json.done) {
      out.enqueue({ type: "usage", usage: usage(json) });
      out.enqueue({ type: "finish", stop: stopReason(json.done_reason, tools > 0) });
    }
  };
  return new TransformStream<string, AnswerEvent>({
    transform(text, out) {
      buffer += text;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const l of lines) line(l, out);
    },
    flush(out) {
      line(buffer, out);
    },
  });
}

/** An OpenAI embeddings request as an Ollama `/api/embed` request. */
export function embeddingsToOllama(body: Json, drop: Drop): Json {
  const out: Json = { model: ollamaModel(String(body.model)), input: body.input };
  if (body.dimensions !== undefined) out.dimensions = body.dimensions;
  if (body.user !== undefined) drop("user");
  return out;
}

/** Floats as OpenAI's base64 encoding: little-endian float32 (what the OpenAI SDKs ask for by default). */
function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

/** An Ollama `/api/embed` answer as an OpenAI embeddings response. */
export function ollamaToEmbeddings(json: Json, request: Json): Json {
  const base64 = request.encoding_format === "base64";
  const prompt = Number(json.prompt_eval_count ?? 0);
  return {
    object: "list",
    data: (json.embeddings as number[][] | undefined ?? []).map((embedding, index) => ({
      object: "embedding",
      index,
      embedding: base64 ? base64Floats(embedding) : embedding,
    })),
    model: request.model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}
