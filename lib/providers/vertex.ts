/**
 * Google Vertex AI (SPEC §16): Gemini models through
 * `…/publishers/google/models/M:generateContent` (`:streamGenerateContent?alt=sse`),
 * Anthropic's through `…/publishers/anthropic/models/M:rawPredict`
 * (`:streamRawPredict`) with `anthropic_version: vertex-2023-10-16` and no
 * `model` in the body. `publisher` says which a provider serves (default
 * google). Auth: a service account's OAuth token (`google_auth.ts`), from
 * `credentials_file` or `GOOGLE_APPLICATION_CREDENTIALS`.
 */
import { geminiMethod, geminiModel } from "../formats/gemini/request.ts";
import { readServiceAccount, tokensFor } from "./google_auth.ts";
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const vertex: ProviderFactory = (init) => {
  const c = init.config;
  const file = c.credentials_file ?? Deno.env.get("GOOGLE_APPLICATION_CREDENTIALS");
  if (!c.project) throw new Error("type vertex needs project (the Google Cloud project id)");
  if (!c.location) {
    throw new Error("type vertex needs location (a region such as us-central1, or global)");
  }
  if (!file) {
    throw new Error(
      "type vertex needs credentials_file (a service-account JSON key) or GOOGLE_APPLICATION_CREDENTIALS",
    );
  }
  const tokens = tokensFor(readServiceAccount(file));
  const host = c.location === "global"
    ? "https://aiplatform.googleapis.com"
    : `https://${c.location}-aiplatform.googleapis.com`;
  const base = `${(c.base_url ?? host).replace(/\/+$/, "")}/v1`;
  const models = `/projects/${c.project}/locations/${c.location}/publishers`;
  const anthropic = c.publisher === "anthropic";
  return httpProvider({ ...init, config: { ...c, base_url: base } }, {
    defaultBaseUrl: base,
    paths: anthropic
      ? { messages: "/rawPredict" }
      : { gemini_generate: "/generateContent", gemini_count_tokens: "/countTokens" },
    target: (call) => {
      const model = encodeURIComponent(geminiModel(call.model));
      if (anthropic) {
        return `${models}/anthropic/models/${model}:${
          call.stream ? "streamRawPredict" : "rawPredict"
        }`;
      }
      return `${models}/google/models/${model}:${geminiMethod(call)}`;
    },
    body: anthropic
      ? (call) => {
        const { model: _, ...rest } = call.body;
        return { anthropic_version: "vertex-2023-10-16", ...rest };
      }
      : undefined,
    headers: async () => ({ authorization: `Bearer ${await tokens.get()}` }),
  });
};
