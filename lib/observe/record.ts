/**
 * Everything known about one request, filled in as it goes and written out
 * once at its end (SPEC §7 names the fields).
 */
import type { Attempt } from "../errors.ts";
import type { Usage } from "../translate/answer.ts";

export interface CallRecord {
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
}

export function newRecord(requestId: string, method: string, route: string): CallRecord {
  return {
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
