/**
 * One try at one deployment, judged before anything reaches the client: a
 * stream counts as served only once its first body chunk arrived, a JSON
 * answer only once it was read whole.
 */
import { collectedBody, isLiveStream, MAX_ERROR_BODY } from "../providers/http.ts";
import { UpstreamFailure } from "../providers/types.ts";
import type { UpstreamCall } from "../providers/types.ts";
import type { Deployment } from "./resolve.ts";
import { readCapped } from "../read_capped.ts";

/** The upstream answered and can be relayed. */
export interface Served {
  ok: true;
  /** For a stream, a body that yields everything from its first chunk on. */
  response: Response;
  /** Non-stream: the whole body (the response's own body is left unread). */
  bytes?: Uint8Array<ArrayBuffer>;
}

/** The upstream said no, or never said anything. */
export interface Failed {
  ok: false;
  /** HTTP status, or null for network errors and timeouts. */
  status: number | null;
  timeout: boolean;
  message: string;
  /** The upstream's error body (non-2xx answers), for passing back or reporting. */
  bytes?: Uint8Array;
  response?: Response;
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
  let response: Response;
  try {
    response = call.stream
      ? await d.provider.provider.stream(call)
      : await d.provider.provider.complete(call);
  } catch (err) {
    return failure(err);
  }
  if (!response.ok) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = collectedBody(response) ??
        (response.body ? await readCapped(response.body, MAX_ERROR_BODY, () => null) : undefined);
    } catch { /* the status alone decides */ }
    return {
      ok: false,
      status: response.status,
      timeout: false,
      message: `HTTP ${response.status}`,
      bytes,
      response,
      retryAfterS: retryAfterSeconds(response.headers.get("retry-after")),
    };
  }
  try {
    if (!call.stream) {
      const bytes = collectedBody(response) ?? await readCapped(
        response.body ?? new Blob().stream(),
        maxBytes,
        () =>
          new UpstreamFailure(
            "network",
            `answer larger than ${maxBytes} bytes (server.max_response_mb)`,
          ),
      ) as Uint8Array<ArrayBuffer>;
      return { ok: true, response, bytes };
    }
    // Streams from the built-in HTTP client arrive with their first chunk: relayed as they are.
    if (isLiveStream(response)) return { ok: true, response };
    return await firstChunk(response);
  } catch (err) {
    return failure(err);
  }
}

/** Waits for the first chunk of a stream from elsewhere (a plugin): handed on as a new body that starts with it. */
async function firstChunk(response: Response): Promise<Outcome> {
  if (!response.body) return { ok: false, status: null, timeout: false, message: "empty stream" };
  const reader = response.body.getReader();
  const first = await reader.read();
  if (first.done) {
    return { ok: false, status: null, timeout: false, message: "stream ended before any data" };
  }
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        return controller.enqueue(first.value);
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  return { ok: true, response: new Response(body, response) };
}

function failure(err: unknown): Failed {
  const timeout = err instanceof UpstreamFailure && err.kind === "timeout";
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, status: null, timeout, message };
}

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
