/**
 * Everything known about one request, filled in as it goes and written out
 * once at its end (SPEC §7 names the fields).
 */
import type { Attempt } from "../errors.ts";
import type { Usage } from "../formats/neutral.ts";

export interface CallRecord {
  /** `companion`: the splitter's companion request, linked by `request_id`. */
  kind: "request" | "companion";
  /** Start of the request, epoch ms (written out as an ISO `ts`). */
  started: number;
  request_id: string;
  method: string;
  route: string;
  model: string | null;
  provider: string | null;
  upstream_model: string | null;
  stream: boolean;
  status: number;
  latency_ms: number;
  ttfb_ms: number | null;
  attempts: Attempt[];
  usage: Usage | null;
  cost_usd?: number;
  error: string | null;
  /** The caller's key name (`admin` for an admin key); unset when no keys are configured. */
  key?: string;
  /** The virtual key's `metadata` (`{}` when none), with `key`. */
  key_metadata?: Record<string, unknown>;
  /** The deployment that answered (`provider/model`), for its token window; not logged. */
  deployment?: string;
  /** With `log.bodies`: the request body as JSON text. */
  request_body?: string;
  /** With `log.bodies`: the answer as JSON text (a stream's assembled text and tool calls), maybe still being assembled. */
  response_body?: string | Promise<string>;
}

export function newRecord(requestId: string, method: string, route: string): CallRecord {
  return {
    kind: "request",
    started: Date.now(),
    request_id: requestId,
    method,
    route,
    model: null,
    provider: null,
    upstream_model: null,
    stream: false,
    status: 0,
    latency_ms: 0,
    ttfb_ms: null,
    attempts: [],
    usage: null,
    error: null,
  };
}

/** A request the server failed: a 5xx, or a stream cut after its 200 (a 4xx is the client's). */
export function serverFailed(r: CallRecord): boolean {
  return r.status >= 500 || (r.status < 400 && !!r.error);
}

const str = (s: string | null) => (s === null ? "null" : JSON.stringify(s));

/** Requests in the same millisecond share one ISO timestamp string. */
let lastMs = 0;
let lastIso = "";
function iso(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

function attemptsJson(list: Attempt[]): string {
  return `[${
    list.map((a) =>
      `{"provider":${str(a.provider)},"model":${str(a.model)},"status":${a.status},"error":${
        str(a.error)
      },"ms":${a.ms}}`
    ).join(",")
  }]`;
}

function usageJson(u: Usage): string {
  return `{"prompt_tokens":${u.prompt_tokens},"completion_tokens":${u.completion_tokens},"total_tokens":${u.total_tokens}` +
    `,"cache_read_tokens":${u.cache_read_tokens},"cache_write_tokens":${u.cache_write_tokens},"reasoning_tokens":${u.reasoning_tokens}}`;
}

/**
 * The record as one JSON line; bodies are spliced in as the JSON they are.
 * Written out field by field: a log line per request must cost little.
 */
export function logLine(r: CallRecord, response?: string): string {
  let line = `{"ts":"${iso(r.started)}","kind":"${r.kind}","request_id":${str(r.request_id)}` +
    `,"method":${str(r.method)},"route":${str(r.route)},"model":${str(r.model)},"provider":${
      str(r.provider)
    }` +
    `,"upstream_model":${str(r.upstream_model)},"stream":${r.stream},"status":${r.status}` +
    `,"latency_ms":${r.latency_ms},"ttfb_ms":${r.ttfb_ms},"attempts":${attemptsJson(r.attempts)}` +
    `,"usage":${r.usage ? usageJson(r.usage) : "null"}` +
    (r.cost_usd !== undefined ? `,"cost_usd":${r.cost_usd}` : "") +
    `,"error":${str(r.error)}` +
    (r.key !== undefined
      ? `,"key":${str(r.key)},"key_metadata":${JSON.stringify(r.key_metadata ?? {})}`
      : "");
  if (r.request_body !== undefined || response !== undefined) {
    line += `,"request":${r.request_body ?? "null"},"response":${response ?? "null"}`;
  }
  return line + "}";
}
