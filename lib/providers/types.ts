/**
 * The one interface every provider implements: the built-ins (`openai`,
 * `anthropic`, `ollama`, `echo`, `mock`) and plugin provider types alike.
 */
import type { Api } from "../api.ts";
import type { ProviderConfig } from "../config/schema.ts";
import type { UpstreamReply } from "./reply.ts";

/** One request to one deployment, in one of the provider's own APIs. */
export interface UpstreamCall {
  /** Which of the provider's `apis` is called. */
  api: Api;
  /** The upstream model name (already in `body.model` where the API has one). */
  model: string;
  /** The request body in `api`'s format. */
  body: Record<string, unknown>;
  /**
   * The exact serialisation of `body` when the client's request goes out as it
   * came (same format, only the model renamed): send these bytes, not a re-encoding.
   */
  raw?: string | Uint8Array;
  /** True when the client asked for a stream. */
  stream: boolean;
  /** The client's forwardable headers, names in lower case (never its credentials). */
  headers: Record<string, string>;
  /** The client's query string, `""` or starting with `?`. */
  query: string;
  /** The client's: a disconnect aborts the upstream call. */
  signal: AbortSignal;
}

/**
 * What a provider answers with: a web Response, unread (plugins), or a reply
 * that says what it is (the built-in HTTP client's). Either way routing
 * judges it before anything reaches the client.
 */
export type ProviderAnswer = Response | UpstreamReply;

/**
 * Sends calls to one upstream. A failure before an answer (refused, reset,
 * timeout) is a thrown {@link UpstreamFailure}.
 */
export interface Provider {
  /** APIs this provider speaks natively; a client API not listed is translated. */
  readonly apis: readonly Api[];
  /** A call the client wants answered as one JSON body. */
  complete(call: UpstreamCall): Promise<ProviderAnswer>;
  /** A call the client wants streamed (SSE, or NDJSON for Ollama). */
  stream(call: UpstreamCall): Promise<ProviderAnswer>;
}

/** What a provider type's factory receives: the provider's name and its config entry. */
export interface ProviderInit {
  name: string;
  config: ProviderConfig;
  /** Masks every known secret in text bound for a client or a log. */
  redact: (text: string) => string;
  /** The most of one answer (or one streamed event) to hold in memory: `server.max_response_mb`. */
  maxResponseBytes: number;
}

/** What a factory builds: a Provider whose `apis` may be left out (they default to `["chat"]`). */
export type BuiltProvider = Omit<Provider, "apis"> & { readonly apis?: readonly Api[] };

/** Builds a provider of one type from its config entry. */
export type ProviderFactory = (init: ProviderInit) => BuiltProvider;
