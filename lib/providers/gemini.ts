/**
 * Google's Gemini API (SPEC §16): `models/M:generateContent`, and
 * `:streamGenerateContent?alt=sse` for streams, the key in `x-goog-api-key`;
 * every client API reaches it translated.
 */
import { geminiMethod, geminiModel } from "../formats/gemini/request.ts";
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const gemini: ProviderFactory = (init) => {
  if (!init.config.api_key) throw new Error("type gemini needs api_key (sent as x-goog-api-key)");
  return httpProvider(init, {
    defaultBaseUrl: "https://generativelanguage.googleapis.com/v1beta",
    paths: {
      gemini_generate: "/models/{model}:generateContent",
      gemini_count_tokens: "/models/{model}:countTokens",
    },
    target: (call) =>
      `/models/${encodeURIComponent(geminiModel(call.model))}:${geminiMethod(call)}`,
    headers: (key): Record<string, string> => ({ "x-goog-api-key": key! }),
  });
};
