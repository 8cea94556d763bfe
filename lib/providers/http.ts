/**
 * The upstream HTTP client: `node:http(s)` with one keep-alive Agent per
 * provider, handing back web Responses. Measured here, reading a `fetch` body
 * in JavaScript costs 3–4× the CPU of this; `node:https` also takes `ca` and
 * `rejectUnauthorized`, which `fetch` lacks.
 *
 * Two modes, because the hot path differs: a JSON answer is collected in node
 * land and handed back whole (no web stream at all); a stream is handed back
 * once its first chunk arrived, as one relayable stream the client's response
 * uses directly, with the observer slot that relaying it needs.
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { watch } from "../watchdog.ts";
import { RelayableStream } from "./relayable_stream.ts";
import { MAX_ERROR_BODY, type UpstreamReply } from "./reply.ts";
import { UpstreamFailure } from "../errors.ts";

/** Every timeout an upstream call has, in milliseconds. */
export interface Timeouts {
  /** TCP (and TLS) connection setup. */
  connectMs: number;
  /** From sending the request until the response headers arrive. */
  firstByteMs: number;
  /** Longest silence between two body chunks; the first counts from the headers. */
  idleMs: number;
  /** The whole call, body included. */
  totalMs: number;
}

export interface HttpClientOptions {
  baseUrl: string;
  timeouts: Timeouts;
  /** PEM text of extra trusted CAs. */
  ca?: string;
  /** Accept any certificate (self-signed test upstreams). */
  insecure?: boolean;
  /** Masks secrets in response header values bound for the client. */
  redact?: (text: string) => string;
  /** The most of a JSON answer held in memory; past it the call fails. */
  maxBodyBytes: number;
}

/**
 * Never forwarded from upstream to client: hop-by-hop, recomputed by our
 * server, credentials (an upstream echoing one), and the provider account's
 * identifiers, which are the operator's business, not every caller's.
 */
const RESPONSE_SKIP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "date",
  "server",
  "set-cookie",
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "openai-organization",
  "openai-project",
  "anthropic-organization-id",
]);

/**
 * Upstream response headers for a web Response, without the ones our server
 * sets, key-shaped values masked. A plain record: a Response copies a Headers
 * object by iterating it sorted and validating every pair again (about 1 µs
 * more a request).
 */
function webHeaders(raw: IncomingHttpHeaders, redact?: (text: string) => string) {
  const out: Record<string, string> = {};
  let all = "";
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || RESPONSE_SKIP.has(name)) continue;
    all += out[name] = Array.isArray(value) ? value.join(", ") : value;
    all += "\n";
  }
  // One scan of every value; each is masked only when some held a secret (in ASCII: values are bytes).
  if (redact && redact(all) !== all) {
    for (const name in out) out[name] = redact(out[name]).replaceAll("…", "...");
  }
  return out;
}

function asFailure(err: Error): UpstreamFailure {
  return err instanceof UpstreamFailure ? err : new UpstreamFailure("network", err.message);
}

const seconds = (ms: number) => ms / 1000;

/** The status and headers an answer starts with. */
interface Head {
  status: number;
  headers: Record<string, string>;
}

/** One POST to the upstream. */
export interface Post {
  /** Relative to the base URL's path, query included. */
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** The client's: a disconnect aborts the call. */
  signal: AbortSignal;
  /** Hand the answer back as a stream from its first chunk, rather than whole. */
  stream: boolean;
}

/** Sends requests to one base URL over a pooled keep-alive connection set. */
export class HttpClient {
  readonly #base: URL;
  readonly #basePath: string;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #timeouts: Timeouts;
  readonly #redact?: (text: string) => string;
  readonly #maxBody: number;

  constructor(options: HttpClientOptions) {
    this.#redact = options.redact;
    this.#maxBody = options.maxBodyBytes;
    this.#base = new URL(options.baseUrl);
    this.#basePath = this.#base.pathname.replace(/\/+$/, "");
    this.#timeouts = options.timeouts;
    const secure = this.#base.protocol === "https:";
    this.#agent = secure
      ? new https.Agent({ keepAlive: true, ca: options.ca, rejectUnauthorized: !options.insecure })
      : new http.Agent({ keepAlive: true });
    this.#request = secure ? https.request : http.request;
  }

  /**
   * Sends the request. With `stream`, resolves once the first body chunk
   * arrived (a 2xx stream that ends first is a failure); otherwise once the
   * whole body is in. Rejects with UpstreamFailure on a network error or
   * timeout before that; after it, the stream fails instead.
   */
  post({ path, headers, body, signal, stream }: Post): Promise<UpstreamReply> {
    const t = this.#timeouts;
    return new Promise<UpstreamReply>((resolve, reject) => {
      if (signal.aborted) return reject(new UpstreamFailure("network", "client disconnected"));
      const started = Date.now();
      let headersAt = 0;
      // Chunks are counted, not timed: the watchdog notices when the count stops moving.
      let chunks = 0;
      let seenChunks = 0;
      let quietSince = 0;
      // Paused because the client is not reading: that silence is the client's, not the upstream's.
      let paused = false;
      // Before the body flows this rejects; once it flows, it ends the stream.
      let fail: (err: UpstreamFailure) => void = reject;
      const stop = (kind: "network" | "timeout", message: string) => {
        const err = new UpstreamFailure(kind, message);
        // Deno 2.9's node:http resends a POST destroyed before its answer on a reused socket
        // (denoland/deno#36786): an upstream call nobody reads, billed twice. Not reused, not resent.
        (req as { reusedSocket: boolean }).reusedSocket = false;
        req.destroy(err);
        fail(err);
      };
      const unwatch = watch((now) => {
        if (now - started >= t.totalMs) {
          stop("timeout", `not complete within ${seconds(t.totalMs)} s (timeout_s)`);
        } else if (!headersAt && now - started >= t.connectMs && connecting()) {
          stop("timeout", `no connection within ${seconds(t.connectMs)} s (connect_timeout_s)`);
        } else if (!headersAt && now - started >= t.firstByteMs) {
          stop("timeout", `no response within ${seconds(t.firstByteMs)} s (first_byte_timeout_s)`);
        } else if (headersAt && !paused) {
          if (chunks !== seenChunks) {
            seenChunks = chunks;
            quietSince = now;
          } else if (now - quietSince >= t.idleMs) {
            stop("timeout", `no data for ${seconds(t.idleMs)} s (idle_timeout_s)`);
          }
        }
      });
      // Asked only when the deadline passed, rather than listening to every request's socket.
      const connecting = () => req.socket === null || (req.socket as Socket).connecting;
      const onAbort = () => stop("network", "client disconnected");
      const done = () => {
        unwatch();
        signal.removeEventListener("abort", onAbort);
      };

      headers["content-length"] = String(
        typeof body === "string" ? Buffer.byteLength(body) : body.length,
      );
      const req = this.#request({
        agent: this.#agent,
        protocol: this.#base.protocol,
        hostname: this.#base.hostname,
        port: this.#base.port || undefined,
        method: "POST",
        path: this.#basePath + path,
        headers,
      }, (res) => {
        headersAt = quietSince = Date.now();
        const init: Head = {
          status: res.statusCode ?? 502,
          headers: webHeaders(res.headers, this.#redact),
        };
        // Error answers are read whole even for a stream: they are judged, not relayed.
        if (!stream || init.status < 200 || init.status > 299) return collect(res, init);
        relayChunks(res, init);
      });

      const collect = (res: http.IncomingMessage, init: Head) => {
        const parts: Buffer[] = [];
        let size = 0;
        const answer = init.status >= 200 && init.status <= 299;
        const settle = () => {
          done();
          const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts);
          resolve({ kind: "whole", ...init, body: whole as Uint8Array<ArrayBuffer> });
        };
        res.on("data", (chunk: Buffer) => {
          chunks++;
          size += chunk.length;
          if (answer && size > this.#maxBody) {
            return stop(
              "network",
              `answer larger than ${this.#maxBody} bytes (server.max_response_mb)`,
            );
          }
          // An error is judged by its status: past MAX_ERROR_BODY the rest is not waited for.
          if (!answer && size > MAX_ERROR_BODY) {
            parts.push(chunk.subarray(0, chunk.length - (size - MAX_ERROR_BODY)));
            settle();
            return req.destroy();
          }
          parts.push(chunk);
        });
        res.on("end", settle);
        const cut = () =>
          fail(new UpstreamFailure("network", "upstream closed the connection mid-body"));
        res.on("error", cut);
        res.on("close", () => res.complete || cut());
      };

      const relayChunks = (res: http.IncomingMessage, init: Head) => {
        let started = false;
        const stream = new RelayableStream({
          pause: () => {
            paused = true;
            res.pause();
          },
          resume: () => {
            paused = false;
            seenChunks = chunks;
            quietSince = Date.now();
            res.resume();
          },
          cancel: () => {
            done();
            req.destroy();
          },
        });
        const end = (err?: UpstreamFailure) => {
          done();
          if (started) return stream.end(err);
          reject(err ?? new UpstreamFailure("network", "stream ended before any data"));
        };
        // Once the headers are in, any failure but a timeout is the connection closing mid-body.
        const cut = () =>
          end(new UpstreamFailure("network", "upstream closed the connection mid-body"));
        fail = (err) => (err.kind === "timeout" ? end(err) : cut());
        res.on("data", (chunk: Uint8Array) => {
          chunks++;
          stream.push(chunk);
          if (!started) {
            started = true;
            resolve({ kind: "stream", ...init, body: stream });
          }
        });
        res.on("end", () => end());
        res.on("error", cut);
        res.on("close", () => res.complete || cut());
      };

      req.on("error", (err) => {
        done();
        fail(asFailure(err));
      });
      signal.addEventListener("abort", onAbort, { once: true });
      req.end(body);
    });
  }
}
