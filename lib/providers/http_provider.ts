/**
 * The shape every HTTP provider shares: a base URL, a path per API, its own
 * auth headers. `openai.ts`, `anthropic.ts` and `ollama.ts` are one spec each.
 */
import { HttpClient } from "./http.ts";
import type { Api } from "../api.ts";
import type { Provider, ProviderInit, UpstreamCall } from "./types.ts";
import type { UpstreamReply } from "./reply.ts";

export interface HttpProviderSpec {
  defaultBaseUrl: string;
  /** Path under the base URL for each API the provider speaks. */
  paths: Partial<Record<Api, string>>;
  /** The path and query of one call, where they depend on more than its API (default: `paths`). */
  target?(call: UpstreamCall): string;
  /**
   * The provider's own auth and required headers, for the request as it goes
   * out (`path` with its query, `body`); they override the client's. A promise
   * when they take work: a token fetched, a signature (AWS's SigV4) computed.
   */
  headers(
    apiKey: string | undefined,
    client: Record<string, string>,
    out: { path: string; body: string | Uint8Array },
  ): Record<string, string> | Promise<Record<string, string>>;
  /** The body as this provider wants it, where it differs from the API's own (then never the client's bytes). */
  body?(call: UpstreamCall): Record<string, unknown>;
}

/** A Provider that POSTs each call as JSON to `base_url + paths[api]`. */
export function httpProvider(init: ProviderInit, spec: HttpProviderSpec): Provider {
  const c = init.config;
  const client = new HttpClient({
    baseUrl: c.base_url ?? spec.defaultBaseUrl,
    timeouts: {
      connectMs: c.connect_timeout_s * 1000,
      firstByteMs: c.first_byte_timeout_s * 1000,
      idleMs: c.idle_timeout_s * 1000,
      totalMs: c.timeout_s * 1000,
    },
    ca: c.tls?.ca_file ? Deno.readTextFileSync(c.tls.ca_file) : undefined,
    insecure: c.tls?.insecure,
    redact: init.redact,
    maxBodyBytes: init.maxResponseBytes,
  });
  const post = (
    call: UpstreamCall,
    path: string,
    body: string | Uint8Array,
    own: Record<string, string>,
  ): Promise<UpstreamReply> =>
    client.post({
      path,
      headers: {
        ...call.headers,
        ...own,
        "content-type": "application/json",
        // Bodies are read for usage: ask for them uncompressed.
        "accept-encoding": "identity",
      },
      body,
      signal: call.signal,
      stream: call.stream,
    });
  const send = (call: UpstreamCall): Promise<UpstreamReply> => {
    const path = spec.target ? spec.target(call) : spec.paths[call.api] + call.query;
    const body = spec.body
      ? JSON.stringify(spec.body(call))
      : call.raw ?? JSON.stringify(call.body);
    const own = spec.headers(c.api_key, call.headers, { path, body });
    return own instanceof Promise
      ? own.then((h) => post(call, path, body, h))
      : post(call, path, body, own);
  };
  return { apis: Object.keys(spec.paths) as Api[], complete: send, stream: send };
}
