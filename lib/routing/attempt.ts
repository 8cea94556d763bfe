/**
 * One try at one deployment, judged before anything reaches the client: a
 * stream counts as served only once its first body chunk arrived, a JSON
 * answer only once it was read whole.
 */
import { UpstreamFailure } from "../errors.ts";
import { replyOf, type UpstreamReply, type WholeReply } from "../providers/reply.ts";
import type { UpstreamCall } from "../providers/types.ts";
import type { Deployment } from "./resolve.ts";

/** The upstream answered (2xx) and can be relayed. */
export interface Served {
  ok: true;
  reply: UpstreamReply;
}

/** The upstream said no, or never said anything. */
export interface Failed {
  ok: false;
  /** HTTP status, or null for network errors and timeouts. */
  status: number | null;
  timeout: boolean;
  message: string;
  /** The upstream's error answer (non-2xx), for passing back or reporting. */
  reply?: WholeReply;
  /** Seconds from a Retry-After header, when present and valid. */
  retryAfterS?: number;
}

export type Outcome = Served | Failed;

/** Sends the call and reads enough of the answer to judge it; a JSON answer over `maxBytes` fails. */
export async function attempt(
  d: Deployment,
  call: UpstreamCall,
  maxBytes: number,
): Promise<Outcome> {
  let reply: UpstreamReply;
  try {
    const impl = d.provider.impl;
    const answer = await (call.stream ? impl.stream(call) : impl.complete(call));
    reply = answer instanceof Response ? await replyOf(answer, call.stream, maxBytes) : answer;
  } catch (err) {
    const timeout = err instanceof UpstreamFailure && err.kind === "timeout";
    return { ok: false, status: null, timeout, message: (err as Error)?.message ?? String(err) };
  }
  if (reply.kind === "whole" && (reply.status < 200 || reply.status > 299)) {
    return {
      ok: false,
      status: reply.status,
      timeout: false,
      message: `HTTP ${reply.status}`,
      reply,
      retryAfterS: retryAfterSeconds(reply.headers["retry-after"] ?? null),
    };
  }
  return { ok: true, reply };
}

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
