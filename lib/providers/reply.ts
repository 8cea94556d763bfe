/**
 * What an upstream said, said plainly: a provider's answer is a value that
 * says what it is — the whole body, collected, or a stream that has its first
 * chunk in and a slot for the one observer that relays it — never a Response
 * with something hidden on it. Plugins may answer with a web Response: it is
 * read into the same shape here.
 */
import { UpstreamFailure } from "../errors.ts";
import { readCapped } from "../read_capped.ts";
import { type RelayableStream, relayWeb } from "./relayable_stream.ts";

/** A body read whole: a JSON answer, or any error answer (cut at MAX_ERROR_BODY). */
export interface WholeReply {
  kind: "whole";
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

/** A 2xx stream whose first chunk has arrived: it can be relayed as it is. */
export interface StreamReply {
  kind: "stream";
  status: number;
  headers: Record<string, string>;
  body: RelayableStream;
}

export type UpstreamReply = WholeReply | StreamReply;

/** An error answer is kept up to this many bytes (its status is what counts; the rest is cut). */
export const MAX_ERROR_BODY = 64 * 1024;

const ok = (status: number) => status >= 200 && status <= 299;

/**
 * A plugin's web Response as a reply: a JSON answer read whole (failing past
 * `maxBytes`), an error's body cut at MAX_ERROR_BODY, a stream once its first
 * chunk came (a stream that ends first is a failure).
 */
export async function replyOf(
  res: Response,
  stream: boolean,
  maxBytes: number,
): Promise<UpstreamReply> {
  const headers = Object.fromEntries(res.headers);
  const body = res.body ?? new Blob().stream();
  if (!stream || !ok(res.status)) {
    const bytes = ok(res.status)
      ? await readCapped(
        body,
        maxBytes,
        () =>
          new UpstreamFailure(
            "network",
            `answer larger than ${maxBytes} bytes (server.max_response_mb)`,
          ),
      )
      : await readCapped(body, MAX_ERROR_BODY, () => null);
    return { kind: "whole", status: res.status, headers, body: bytes };
  }
  const relayed = relayWeb(body);
  await relayed.started();
  return { kind: "stream", status: res.status, headers, body: relayed };
}
