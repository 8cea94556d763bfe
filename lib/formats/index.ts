/**
 * Every wire format by the API that speaks it. Adding one (Gemini) is a new
 * folder and a line here; nothing outside `formats/` knows a format's shapes.
 */
import type { Api } from "../api.ts";
import type { ClientFormat, WireFormat } from "./format.ts";
import { chat } from "./chat/index.ts";
import { messages } from "./messages/index.ts";
import { responses } from "./responses/index.ts";
import { ollama } from "./ollama/index.ts";
import { gemini } from "./gemini/index.ts";
import { bedrock } from "./bedrock/index.ts";

export type { ClientFormat, WireFormat };

/** Formats clients speak. Legacy completions share chat's answer shape (`choices`), count_tokens Anthropic's requests, countTokens Gemini's. */
const CLIENT: Partial<Record<Api, ClientFormat>> = {
  chat,
  completions: chat,
  responses,
  messages,
  count_tokens: messages,
  gemini_generate: gemini,
  gemini_count_tokens: gemini,
};

const WIRE: Partial<Record<Api, WireFormat>> = {
  ...CLIENT,
  // Embeddings answers are passed through; only their usage (chat's shape) is read.
  embeddings: { usage: chat.usage },
  ollama_chat: ollama,
  bedrock_converse: bedrock,
};

/** The format of a client API, when the proxy reads or rewrites it (not embeddings). */
export function clientFormat(api: Api): ClientFormat | undefined {
  return CLIENT[api];
}

/** The format of any API, provider-only ones included. */
export function wireFormat(api: Api): WireFormat | undefined {
  return WIRE[api];
}
