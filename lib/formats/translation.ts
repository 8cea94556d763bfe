/**
 * How a client API reaches a provider that speaks another: requests go
 * through the chat shape (the client's format to chat, chat to the
 * provider's), answers and streams through the neutral answer (the
 * provider's format decoded, the client's encoded). A table of which pairs
 * exist; the formats do the work.
 */
import type { Api } from "../api.ts";
import { z } from "zod";
import { shapeCheck, text } from "./check.ts";
import type { ClientFormat, WireFormat } from "./format.ts";
import { clientFormat, wireFormat } from "./index.ts";
import type { Drop, Json } from "./json.ts";
import { type AnswerEvent, emptyUsage, mergeUsage, type Usage } from "./neutral.ts";
import { asksForJson, structuredAnswer, structuredEvents } from "./messages/from_chat.ts";
import { embeddingsToOllama } from "./ollama/request.ts";
import { ollamaToEmbeddings } from "./ollama/answer.ts";

/** One way from a client API to a provider API and back. */
export interface Translation {
  /** The provider API the call goes out in. */
  api: Api;
  /** The client's request as the provider's (a 400 when its shape cannot be read). */
  request(body: Json, drop: Drop): Json;
  /** The provider's JSON answer as the client's, and its usage as the provider counted it. */
  answer(json: Json, request: Json): { body: Json; usage: Usage | null };
  /** What the provider's streamed events need before the client's encoder sees them, if anything. */
  events?(request: Json): TransformStream<AnswerEvent, AnswerEvent> | undefined;
}

/** Which provider APIs each client API can be translated to, preferred first. */
const TARGETS: Partial<Record<Api, Api[]>> = {
  chat: ["messages", "gemini_generate", "bedrock_converse", "ollama_chat"],
  messages: ["chat", "gemini_generate", "bedrock_converse", "ollama_chat"],
  responses: ["chat", "messages", "gemini_generate", "bedrock_converse", "ollama_chat"],
  gemini_generate: ["chat", "messages", "bedrock_converse", "ollama_chat"],
  embeddings: ["ollama_embed"],
};

/** How to send `client` requests to a provider speaking `apis`: null when native or impossible. */
export function translationFor(client: Api, apis: readonly Api[]): Translation | null {
  const target = TARGETS[client]?.find((a) => apis.includes(a));
  if (!target) return null;
  if (target === "ollama_embed") return embeddings;
  return conversation(target, clientFormat(client)!, wireFormat(target)!);
}

/** True when a provider speaking `apis` can serve `client` requests (natively, or translated when allowed). */
export function canServe(client: Api, apis: readonly Api[], translate: boolean): boolean {
  return apis.includes(client) || (translate && translationFor(client, apis) !== null);
}

/**
 * Conversations: chat ⇄ messages, the Responses API to either, any of them
 * to Ollama. A JSON answer asked of Anthropic comes back through a forced
 * tool (see messages/from_chat.ts): its input is turned back into the answer's text.
 */
function conversation(api: Api, client: ClientFormat, provider: WireFormat): Translation {
  const viaTool = api === "messages";
  return {
    api,
    request(body, drop) {
      client.check(body);
      return provider.fromChat!(client.toChat!(body, drop), drop);
    },
    answer(json, request) {
      let answer = provider.decodeAnswer!(json);
      if (viaTool && asksForJson(request)) answer = structuredAnswer(answer);
      return { body: client.encodeAnswer!(answer, request), usage: answer.usage };
    },
    events: (request) => viaTool && asksForJson(request) ? structuredEvents() : undefined,
  };
}

const checkEmbeddings = shapeCheck(z.looseObject({ input: z.union([text, z.array(z.unknown())]) }));

/** OpenAI embeddings to Ollama's `/api/embed`. */
const embeddings: Translation = {
  api: "ollama_embed",
  request(body, drop) {
    checkEmbeddings(body);
    return embeddingsToOllama(body, drop);
  },
  answer(json, request) {
    const prompt = Number(json.prompt_eval_count ?? 0);
    return {
      body: ollamaToEmbeddings(json, request),
      usage: mergeUsage(emptyUsage(), { prompt_tokens: prompt }),
    };
  },
};
