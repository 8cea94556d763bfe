/**
 * How a client API reaches a provider that speaks another: requests go through
 * the OpenAI chat shape, answers and streams through the neutral answer
 * (decode the provider's format, encode the client's). The router picks a
 * translation per deployment; this module alone knows which pairs exist.
 */
import { errorBody, type ErrorFormat, ProxyError } from "../errors.ts";
import type { Api } from "../providers/types.ts";
import type { Answer, AnswerEvent, Usage } from "./answer.ts";
import { emptyUsage, mergeUsage } from "./answer.ts";
import { chatStreamDecoder, decodeChatCompletion } from "./chat_decode.ts";
import { chatStreamEncoder, encodeChatCompletion } from "./chat_encode.ts";
import { chatToMessages, type Drop, messagesToChat } from "./chat_messages.ts";
import { decodeMessage, messagesStreamDecoder } from "./messages_decode.ts";
import { encodeMessage, messagesStreamEncoder } from "./messages_encode.ts";
import {
  chatToOllama,
  decodeOllamaChat,
  embeddingsToOllama,
  ollamaStreamDecoder,
  ollamaToEmbeddings,
} from "./ollama.ts";
import { encodeResponse, responsesStreamEncoder, responsesToChat } from "./responses.ts";
import { responsesStreamDecoder } from "./responses_decode.ts";
import { eventLimit, sseMessages } from "./sse.ts";
import { checkTranslatable } from "./validate.ts";

type Json = Record<string, unknown>;

/** One way from a client API to a provider API and back. */
export interface Translation {
  /** The provider API the call goes out in. */
  api: Api;
  /** The client's request as the provider's. */
  request(body: Json, drop: Drop): Json;
  /** The provider's JSON answer as the client's, and its usage as the provider counted it. */
  answer(json: Json, request: Json): { body: Json; usage: Usage | null };
  /** The provider's error body as the client's, same status. */
  error(status: number, bytes: Uint8Array | undefined, format: ErrorFormat): Json;
}

/** Which provider APIs each client API can be translated to, preferred first. */
const TARGETS: Partial<Record<Api, Api[]>> = {
  chat: ["messages", "ollama_chat"],
  messages: ["chat", "ollama_chat"],
  responses: ["chat", "messages", "ollama_chat"],
  embeddings: ["ollama_embed"],
};

/** How to send `client` requests to a provider speaking `apis`: null when native or impossible. */
export function translationFor(client: Api, apis: readonly Api[]): Translation | null {
  const target = TARGETS[client]?.find((a) => apis.includes(a));
  if (!target) return null;
  return target === "ollama_embed" ? embeddings : conversation(client, target);
}

/** True when a provider speaking `apis` can serve `client` requests (natively, or translated when allowed). */
export function canServe(client: Api, apis: readonly Api[], translate: boolean): boolean {
  return apis.includes(client) || (translate && translationFor(client, apis) !== null);
}

/** A client request in the chat shape. */
function toChat(client: Api, body: Json, drop: Drop): Json {
  if (client === "messages") return messagesToChat(body, drop);
  if (client === "responses") return responsesToChat(body, drop);
  return body;
}

/** A chat-shaped request in the provider's API. */
function fromChat(provider: Api, chat: Json, drop: Drop): Json {
  if (provider === "messages") return chatToMessages(chat, drop);
  if (provider === "ollama_chat") return chatToOllama(chat, drop);
  return chat;
}

/** A whole answer in a provider API, read. */
export function decodeAnswer(api: Api, json: Json): Answer {
  if (api === "messages") return decodeMessage(json);
  if (api === "ollama_chat") return decodeOllamaChat(json);
  return decodeChatCompletion(json);
}

/** A stream in a provider API, read event by event; an event over `maxEventBytes` fails it. */
export function decodeStream(
  api: Api,
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number,
): ReadableStream<AnswerEvent> {
  if (api === "ollama_chat") {
    return body.pipeThrough(eventLimit(maxEventBytes, "lines")).pipeThrough(new TextDecoderStream())
      .pipeThrough(ollamaStreamDecoder());
  }
  const decoder = api === "messages"
    ? messagesStreamDecoder()
    : api === "responses"
    ? responsesStreamDecoder()
    : chatStreamDecoder();
  return sseMessages(body, maxEventBytes).pipeThrough(decoder);
}

function encodeAnswer(client: Api, answer: Answer, request: Json): Json {
  if (client === "messages") return encodeMessage(answer);
  if (client === "responses") return encodeResponse(answer, request);
  return encodeChatCompletion(answer);
}

/** Neutral events as a stream in the client's API (its request says, e.g., whether usage is wanted). */
export function encodeStream(
  client: Api,
  request: Json,
  events: ReadableStream<AnswerEvent>,
): ReadableStream<Uint8Array> {
  const options = request.stream_options as Json | undefined;
  const encoder = client === "messages"
    ? messagesStreamEncoder()
    : client === "responses"
    ? responsesStreamEncoder(request)
    : chatStreamEncoder({ includeUsage: options?.include_usage === true });
  return events.pipeThrough(encoder).pipeThrough(new TextEncoderStream());
}

/** The message of an error body in any of the formats upstreams use. */
function errorMessage(bytes: Uint8Array | undefined): string {
  const text = new TextDecoder().decode(bytes ?? new Uint8Array());
  try {
    const json = JSON.parse(text);
    const err = json.error ?? json;
    return typeof err === "string" ? err : String(err.message ?? text);
  } catch {
    return text.slice(0, 500) || "no details";
  }
}

function translatedError(status: number, bytes: Uint8Array | undefined, format: ErrorFormat): Json {
  return errorBody(format, new ProxyError(status, `upstream: ${errorMessage(bytes)}`));
}

/** Conversations: chat ⇄ messages, the Responses API to either, any of them to Ollama. */
function conversation(client: Api, provider: Api): Translation {
  return {
    api: provider,
    request(body, drop) {
      checkTranslatable(client, body);
      return fromChat(provider, toChat(client, body, drop), drop);
    },
    answer(json, request) {
      const answer = decodeAnswer(provider, json);
      return { body: encodeAnswer(client, answer, request), usage: answer.usage };
    },
    error: translatedError,
  };
}

/** OpenAI embeddings to Ollama's `/api/embed`. */
const embeddings: Translation = {
  api: "ollama_embed",
  request(body, drop) {
    checkTranslatable("embeddings", body);
    return embeddingsToOllama(body, drop);
  },
  answer(json, request) {
    const prompt = Number(json.prompt_eval_count ?? 0);
    return {
      body: ollamaToEmbeddings(json, request),
      usage: mergeUsage(emptyUsage(), { prompt_tokens: prompt }),
    };
  },
  error: translatedError,
};
