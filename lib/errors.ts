/**
 * Every error the proxy answers with is a {@link ProxyError}; this module alone
 * renders it, as a JSON body or as an in-stream event, in the client's format.
 */

import type { ErrorFormat } from "./api.ts";

/** One try of one deployment, as reported in errors and logs. */
export interface Attempt {
  provider: string;
  model: string;
  status: number | null;
  error: string | null;
  ms: number;
}

/** An error with the HTTP status and, optionally, a machine-readable code and headers to send. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The headers an SDK reads to time its retry: they mean the same in every format. */
const BACKOFF = /^(retry-after(-ms)?|x-ratelimit-.*|anthropic-ratelimit-.*|x-should-retry)$/;

/** The backoff headers among an upstream's (names in lower case). */
export function backoffHeaders(headers: Record<string, string> = {}): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (BACKOFF.test(name)) kept[name] = value;
  return kept;
}

/** Why an upstream call failed without an HTTP status. */
export type FailureKind = "network" | "timeout";

/**
 * A call that failed before or while its response arrived (no usable status).
 * As a client-facing error it is a 502, or a 504 for a timeout.
 */
export class UpstreamFailure extends ProxyError {
  constructor(readonly kind: FailureKind, message: string) {
    super(
      kind === "timeout" ? 504 : 502,
      message,
      kind === "timeout" ? "upstream_timeout" : "upstream_error",
    );
  }
}

/** An upstream's stream that reported an error after it started: the stream fails with it. */
export function midStreamError(error: unknown): UpstreamFailure {
  const err = error as { message?: unknown } | string | null;
  const message = typeof err === "string" ? err : err?.message ?? JSON.stringify(error);
  return new UpstreamFailure("network", `upstream error mid-stream: ${message}`);
}

/** An upstream's stream that closed cleanly before its end marker: cut short, not complete. */
export function cutShort(marker: string): UpstreamFailure {
  return new UpstreamFailure("network", `upstream stream ended before ${marker}`);
}

/** 405: the route exists but not for this method. */
export class MethodNotAllowed extends ProxyError {
  constructor(readonly allow: string[]) {
    super(405, `method not allowed; use ${allow.join(", ")}`, "method_not_allowed");
  }
}

/** Every deployment failed; the message lists each attempt. */
export class UpstreamsFailed extends ProxyError {
  constructor(
    status: number,
    model: string,
    readonly attempts: Attempt[],
    headers: Record<string, string> = {},
  ) {
    const tried = attempts.map((a) =>
      `${a.provider}/${a.model}: ${a.error ?? a.status} (${a.ms} ms)`
    );
    super(
      status,
      `every deployment of model '${model}' failed: ${tried.join("; ")}`,
      "upstream_failed",
      headers,
    );
  }
}

const OPENAI_TYPES: Record<number, string> = {
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  429: "rate_limit_error",
};

const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

/** Google's canonical status names (google.rpc.Code), by HTTP status. */
const GOOGLE_STATUSES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  402: "FAILED_PRECONDITION",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "UNIMPLEMENTED",
  408: "DEADLINE_EXCEEDED",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function googleStatus(status: number): string {
  return GOOGLE_STATUSES[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
}

function openAIType(status: number): string {
  return OPENAI_TYPES[status] ?? (status >= 500 ? "server_error" : "invalid_request_error");
}

function anthropicType(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Any thrown value as a ProxyError; unexpected ones become a 500 without internals. */
export function asProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  return new ProxyError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** The JSON body of an error in the given format. */
export function errorBody(format: ErrorFormat, err: ProxyError): Record<string, unknown> {
  if (format === "anthropic") {
    return { type: "error", error: { type: anthropicType(err.status), message: err.message } };
  }
  if (format === "google") {
    return { error: { code: err.status, message: err.message, status: googleStatus(err.status) } };
  }
  return {
    error: { message: err.message, type: openAIType(err.status), param: null, code: err.code },
  };
}

/** Masks secrets in text bound for a client. */
export type Redact = (text: string) => string;
const asIs: Redact = (text) => text;

/** What an upstream's error body says, in whichever format it came. */
interface UpstreamSaid {
  message: string;
  /** The error's own type, kept when the client speaks the same error dialect. */
  type: { dialect: Dialect; value: string } | null;
  code: string | null;
  param: string | null;
}

/** The shapes of error body: Anthropic's, Google's, and OpenAI's (which the Responses API shares). */
type Dialect = "anthropic" | "google" | "openai";
const dialectOf = (format: ErrorFormat): Dialect =>
  format === "anthropic" || format === "google" ? format : "openai";

const asText = (v: unknown): string | null => typeof v === "string" ? v : null;

function upstreamSaid(bytes: Uint8Array | undefined): UpstreamSaid {
  const text = new TextDecoder().decode(bytes ?? new Uint8Array());
  try {
    const json = JSON.parse(text);
    const err = json.error ?? json;
    if (typeof err === "string") return { message: err, type: null, code: null, param: null };
    // Google's says its kind in `status` (`RESOURCE_EXHAUSTED`), its HTTP status in `code`.
    const dialect: Dialect = json.type === "error"
      ? "anthropic"
      : typeof err.status === "string"
      ? "google"
      : "openai";
    const type = asText(dialect === "google" ? err.status : err.type);
    return {
      message: String(err.message ?? text),
      type: type ? { dialect, value: type } : null,
      code: asText(err.code) ?? (typeof err.code === "number" ? String(err.code) : null),
      param: asText(err.param),
    };
  } catch {
    return { message: text.slice(0, 500) || "no details", type: null, code: null, param: null };
  }
}

/**
 * An upstream's error body, read in any format, as the body of the client's
 * format (same status): its message, and its type, code and param where the
 * client's format has a place for them.
 */
export function translatedErrorBody(
  status: number,
  bytes: Uint8Array | undefined,
  format: ErrorFormat,
): Record<string, unknown> {
  const said = upstreamSaid(bytes);
  const message = `upstream: ${said.message}`;
  const type = said.type?.dialect === dialectOf(format) ? said.type.value : null;
  if (format === "anthropic") {
    return { type: "error", error: { type: type ?? anthropicType(status), message } };
  }
  if (format === "google") {
    return { error: { code: status, message, status: type ?? googleStatus(status) } };
  }
  return {
    error: { message, type: type ?? openAIType(status), param: said.param, code: said.code },
  };
}

/**
 * The error as a complete HTTP response in the given format; `redact` masks
 * what its message may quote (an upstream's words, a key it echoed).
 */
export function errorResponse(format: ErrorFormat, thrown: unknown, redact = asIs): Response {
  const err = asProxyError(thrown);
  const headers: Record<string, string> = { ...err.headers, "content-type": "application/json" };
  if (err instanceof MethodNotAllowed) headers.allow = err.allow.join(", ");
  return new Response(redact(JSON.stringify(errorBody(format, err))), {
    status: err.status,
    headers,
  });
}

/**
 * The error as the last event of a stream that already reached the client.
 * OpenAI has no error event, so it gets the `data: {"error":…}` convention its
 * SDK raises on; Anthropic and the Responses API define `event: error`;
 * Google's SDK raises on a chunk that is an error body alone.
 */
export function errorEvent(
  format: ErrorFormat,
  thrown: unknown,
  redact = asIs,
  sequence = 0,
): string {
  const err = asProxyError(thrown);
  if (format === "openai") return `data: ${redact(JSON.stringify(errorBody("openai", err)))}\n\n`;
  if (format === "anthropic") {
    return `event: error\ndata: ${redact(JSON.stringify(errorBody("anthropic", err)))}\n\n`;
  }
  if (format === "google") return `${redact(JSON.stringify(errorBody("google", err)))}\n`;
  const event = {
    type: "error",
    sequence_number: sequence,
    code: err.code ?? openAIType(err.status),
    message: err.message,
    param: null,
  };
  return `event: error\ndata: ${redact(JSON.stringify(event))}\n\n`;
}
