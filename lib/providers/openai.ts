/** OpenAI and every OpenAI-compatible API (OpenRouter, Groq, vLLM, …). */
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const openai: ProviderFactory = (init) =>
  httpProvider(init, {
    defaultBaseUrl: "https://api.openai.com/v1",
    paths: {
      chat: "/chat/completions",
      completions: "/completions",
      embeddings: "/embeddings",
      // `responses: false` marks upstreams without the Responses API: requests are translated to chat.
      ...(init.config.responses ? { responses: "/responses" } : {}),
    },
    headers: (key): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  });
