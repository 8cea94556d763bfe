/** Ollama's native API (`/api/chat`, `/api/embed`); requests reach it translated. */
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const ollama: ProviderFactory = (init) =>
  httpProvider(init, {
    defaultBaseUrl: "http://127.0.0.1:11434",
    paths: { ollama_chat: "/api/chat", ollama_embed: "/api/embed" },
    headers: (key): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  });
