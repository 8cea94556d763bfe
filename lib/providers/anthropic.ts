/** Anthropic's Messages API; `base_url` is the host, as in Anthropic's SDKs. */
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

/** Sent when the client did not choose a version. */
const ANTHROPIC_VERSION = "2023-06-01";

export const anthropic: ProviderFactory = (init) =>
  httpProvider(init, {
    defaultBaseUrl: "https://api.anthropic.com",
    paths: { messages: "/v1/messages", count_tokens: "/v1/messages/count_tokens" },
    headers: (key, client): Record<string, string> => ({
      ...(key ? { "x-api-key": key } : {}),
      "anthropic-version": client["anthropic-version"] ?? ANTHROPIC_VERSION,
    }),
  });
