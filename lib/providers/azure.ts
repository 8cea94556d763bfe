/**
 * Azure OpenAI (SPEC §16), in both URL styles: with `api_version`, the
 * deployment style — `{base}/openai/deployments/{deployment}/…?api-version=V`,
 * the deployment named by `deployment:` or else by the upstream model — and
 * without it the v1 style, `{base}/openai/v1/…` with the model in the body.
 * The key goes in `api-key`. Azure speaks OpenAI's format, so what a client
 * sends in it passes through byte for byte, and Azure's extra fields
 * (`prompt_filter_results`, `content_filter_results`) come back as they are.
 */
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

const PATHS = { chat: "/chat/completions", completions: "/completions", embeddings: "/embeddings" };

export const azure: ProviderFactory = (init) => {
  const c = init.config;
  if (!c.base_url) {
    throw new Error(
      "type azure needs base_url: the resource endpoint, e.g. https://NAME.openai.azure.com",
    );
  }
  if (!c.api_key) throw new Error("type azure needs api_key (the resource's key, sent as api-key)");
  const version = c.api_version;
  const base = c.base_url.replace(/\/+$/, "");
  return httpProvider({ ...init, config: { ...c, base_url: base } }, {
    defaultBaseUrl: base,
    // The Responses API is served in the v1 style only; the deployment style translates it to chat.
    paths: version === undefined && c.responses ? { ...PATHS, responses: "/responses" } : PATHS,
    target: (call) => {
      const path = PATHS[call.api as keyof typeof PATHS] ?? "/responses";
      const query = call.query.replace(/^\?/, "");
      if (version === undefined) return `/openai/v1${path}${call.query}`;
      const deployment = encodeURIComponent(c.deployment ?? call.model);
      const version_ = `api-version=${encodeURIComponent(version)}`;
      return `/openai/deployments/${deployment}${path}?${query ? `${query}&` : ""}${version_}`;
    },
    headers: (key): Record<string, string> => ({ "api-key": key! }),
  });
};
