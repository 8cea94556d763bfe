/**
 * One request's trace (SPEC §14): its SERVER span, a CLIENT span per
 * upstream attempt with the OpenTelemetry GenAI conventions' attributes,
 * and what the answer said (id, model, finish reasons) for the attempt that
 * answered, which ends with the answer — a stream's at its end.
 */
import type { Api } from "../api.ts";
import { type CallRecord, serverFailed } from "./record.ts";
import { type Attributes, type Span, SPAN_KIND } from "./trace.ts";

export interface ResponseFacts {
  id?: string;
  model?: string;
  finishReasons?: string[];
}

export interface RequestTrace {
  server: Span;
  /** The attempt whose answer went back, ended with it. */
  answering?: Span;
  response?: ResponseFacts;
  /** `capture_content`: the request's messages and the answer, as JSON text (masked at the end). */
  input?: string;
  output?: string;
}

/** The conventions' `gen_ai.provider.name` for each provider type; others keep their type. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  ollama: "ollama",
  gemini: "gcp.gemini",
  vertex: "gcp.vertex_ai",
  bedrock: "aws.bedrock",
  azure: "azure.ai.openai",
};

const OPERATIONS: Partial<Record<Api, string>> = {
  embeddings: "embeddings",
  completions: "text_completion",
};

export interface AttemptOf {
  /** `provider/model` as configured. */
  deployment: string;
  providerType: string;
  baseUrl: string | undefined;
  /** The upstream model sent. */
  model: string;
  api: Api;
  /** The client's model name. */
  clientModel: string;
  body: Record<string, unknown>;
}

const addresses = new Map<string, { "server.address"?: string; "server.port"?: number }>();

/** `server.address` and `server.port` of a base URL, worked out once per URL. */
function address(baseUrl: string | undefined) {
  if (!baseUrl) return {};
  let found = addresses.get(baseUrl);
  if (!found) {
    try {
      const u = new URL(baseUrl);
      const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
      found = { "server.address": u.hostname, "server.port": port };
    } catch {
      found = {};
    }
    addresses.set(baseUrl, found);
  }
  return found;
}

/** A CLIENT span for one attempt, named `{operation} {upstream model}`. */
export function attemptSpan(trace: RequestTrace, a: AttemptOf): Span {
  const operation = OPERATIONS[a.api] ?? "chat";
  const maxTokens = a.body.max_tokens ?? a.body.max_completion_tokens ?? a.body.max_output_tokens;
  const attributes: Attributes = {
    "gen_ai.operation.name": operation,
    "gen_ai.provider.name": PROVIDER_NAMES[a.providerType] ?? a.providerType,
    "gen_ai.request.model": a.model,
    "gen_ai.request.max_tokens": typeof maxTokens === "number" ? maxTokens : undefined,
    "gen_ai.request.temperature": typeof a.body.temperature === "number"
      ? a.body.temperature
      : undefined,
    ...address(a.baseUrl),
    "switchyard.deployment": a.deployment,
    "switchyard.model": a.clientModel,
  };
  return trace.server.child(`${operation} ${a.model}`, SPAN_KIND.client, attributes);
}

/** An attempt that failed: its status or network error as `error.type`, ended now. */
export function attemptFailed(span: Span, status: number | null, message: string): void {
  span.fail(status === null ? "network" : String(status), message);
  span.end();
}

/** Finish reasons, the answer's id and model, read from text of an answer (JSON or its events). */
export function factsOf(text: string): ResponseFacts {
  const reasons = [
    ...text.matchAll(/"(?:finish_reason|stop_reason)"\s*:\s*"([^"]+)"/g),
  ].map((m) => m[1]);
  return {
    id: /"id"\s*:\s*"([^"]+)"/.exec(text)?.[1],
    model: /"model"\s*:\s*"([^"]+)"/.exec(text)?.[1],
    finishReasons: reasons.length ? [...new Set(reasons)] : undefined,
  };
}

/** Ends the answering attempt and the server span from the request's record. */
export function finishTrace(
  trace: RequestTrace,
  record: CallRecord,
  redact: (text: string) => string,
): void {
  const { server, answering, response } = trace;
  if (answering) {
    const u = record.usage;
    answering.set({
      "gen_ai.response.model": response?.model,
      "gen_ai.response.id": response?.id,
      "gen_ai.response.finish_reasons": response?.finishReasons,
      "gen_ai.usage.input_tokens": u?.prompt_tokens,
      "gen_ai.usage.output_tokens": u?.completion_tokens,
      "gen_ai.usage.cache_read.input_tokens": u?.cache_read_tokens,
      "gen_ai.usage.cache_creation.input_tokens": u?.cache_write_tokens,
      "gen_ai.input.messages": trace.input === undefined ? undefined : redact(trace.input),
      "gen_ai.output.messages": trace.output === undefined ? undefined : redact(trace.output),
    });
    if (record.status >= 400) answering.fail(String(record.status), record.error ?? undefined);
    else if (record.error) answering.fail("stream_error", record.error);
    answering.end();
  }
  server.set({
    "http.response.status_code": record.status,
    "switchyard.key": record.key,
    "switchyard.model": record.model ?? undefined,
  });
  if (serverFailed(record)) {
    server.fail(String(record.status), record.error ?? undefined);
  }
  server.end();
}
