/**
 * The wire vocabulary every layer shares: which APIs there are, what a
 * parsed client request is, and the few facts about each API that are not a
 * format's business (its route's name, its error dialect, what a request must
 * carry). Imports nothing.
 */

/**
 * A wire API. Clients speak the first six and Gemini's (`gemini_generate`,
 * `generateContent` streamed or not, and `gemini_count_tokens`); `ollama_*`
 * are Ollama's native routes and `bedrock_converse` Bedrock's Converse, which
 * only a provider speaks.
 */
export type Api =
  | "chat"
  | "completions"
  | "embeddings"
  | "responses"
  | "messages"
  | "count_tokens"
  | "ollama_chat"
  | "ollama_embed"
  | "gemini_generate"
  | "gemini_count_tokens"
  | "bedrock_converse";

/** The error dialect of an endpoint: OpenAI's, Anthropic's, the Responses API's, or Google's. */
export type ErrorFormat = "openai" | "anthropic" | "responses" | "google";

/** A parsed client request. */
export interface ClientRequest {
  body: Record<string, unknown>;
  /** The body's text when it can go upstream as received; undefined once changed. */
  raw: string | undefined;
  model: string;
  stream: boolean;
  /** True when the body was plain text: the query string held its fields. */
  plainText: boolean;
}

export interface ApiInfo {
  /** The canonical route, as errors and logs name it. */
  route: string;
  /** How errors are written for this API's clients. */
  errorFormat: ErrorFormat;
  /** The list a request must carry (SPEC §5's minimal validation), and where a text/plain body goes. */
  list: "messages" | "input" | "prompt" | "contents";
  /** The model (and whether to stream) is named in the URL's path, not in the body (Gemini's). */
  modelInPath?: true;
  /** A prompt's token count: no model runs, so no rate window or slot is used. */
  countsTokens?: true;
}

export const APIS: Readonly<Record<Api, ApiInfo>> = {
  chat: { route: "/v1/chat/completions", errorFormat: "openai", list: "messages" },
  completions: { route: "/v1/completions", errorFormat: "openai", list: "prompt" },
  embeddings: { route: "/v1/embeddings", errorFormat: "openai", list: "input" },
  responses: { route: "/v1/responses", errorFormat: "responses", list: "input" },
  messages: { route: "/v1/messages", errorFormat: "anthropic", list: "messages" },
  count_tokens: {
    route: "/v1/messages/count_tokens",
    errorFormat: "anthropic",
    list: "messages",
    countsTokens: true,
  },
  ollama_chat: { route: "/api/chat", errorFormat: "openai", list: "messages" },
  ollama_embed: { route: "/api/embed", errorFormat: "openai", list: "input" },
  gemini_generate: {
    route: "/v1beta/models/{model}:generateContent",
    errorFormat: "google",
    list: "contents",
    modelInPath: true,
  },
  gemini_count_tokens: {
    route: "/v1beta/models/{model}:countTokens",
    errorFormat: "google",
    list: "contents",
    modelInPath: true,
    countsTokens: true,
  },
  bedrock_converse: { route: "/model/{modelId}/converse", errorFormat: "openai", list: "messages" },
};

/** Sent to Anthropic when a request has no `max_tokens` (the Messages API requires one). */
export const DEFAULT_MAX_TOKENS = 4096;
