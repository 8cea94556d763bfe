/**
 * Amazon Bedrock (SPEC §16): the Converse API — `/model/{modelId}/converse`
 * and `/converse-stream` — every request SigV4-signed by
 * `@smithy/signature-v4` (the session token signed too; a model id's `:`
 * encoded in the path, and again in the canonical path, as AWS wants).
 * Credentials and region from the config, else the standard AWS_* variables.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { httpProvider } from "./http_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const bedrock: ProviderFactory = (init) => {
  const c = init.config;
  const env = (name: string) => Deno.env.get(name) || undefined;
  // An empty setting (`${VAR:-}`) counts as none.
  const region = c.region || env("AWS_REGION") || env("AWS_DEFAULT_REGION");
  const accessKeyId = c.access_key_id || env("AWS_ACCESS_KEY_ID");
  const secretAccessKey = c.secret_access_key || env("AWS_SECRET_ACCESS_KEY");
  const sessionToken = c.session_token || env("AWS_SESSION_TOKEN");
  if (!region) throw new Error("type bedrock needs region (or AWS_REGION)");
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "type bedrock needs access_key_id and secret_access_key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
    );
  }
  const base = (c.base_url ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(
    /\/+$/,
    "",
  );
  const url = new URL(base);
  const signer = new SignatureV4({
    service: "bedrock",
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    sha256: Hash.bind(null, "sha256"),
  });
  return httpProvider({ ...init, config: { ...c, base_url: base } }, {
    defaultBaseUrl: base,
    paths: { bedrock_converse: "/model/{modelId}/converse" },
    target: (call) =>
      `/model/${encodeURIComponent(call.model)}/${call.stream ? "converse-stream" : "converse"}`,
    async headers(_key, _client, { path, body }) {
      const signed = await signer.sign({
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname.replace(/\/$/, "") + path,
        query: {},
        // Host and the x-amz-* headers the signer adds: what AWS requires signed.
        headers: { host: url.host },
        body,
      });
      const { host: _, ...headers } = signed.headers;
      return headers;
    },
  });
};
