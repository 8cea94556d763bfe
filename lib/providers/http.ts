/**
 * The upstream HTTP client: `node:http(s)` with one keep-alive Agent per
 * provider, handing back a web Response whose body is fed chunk by chunk.
 * Measured here, reading a `fetch` body in JavaScript costs 3–4× the CPU of
 * this; `node:https` also takes `ca` and `rejectUnauthorized`, which `fetch` lacks.
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { UpstreamFailure } from "./types.ts";

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
}

// Never forwarded from upstream to client: hop-by-hop, or recomputed by our server.
const RESPONSE_SKIP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "date",
  "server",
  "set-cookie",
]);

/** Upstream response headers as web Headers, without the ones our server sets. */
function webHeaders(raw: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || RESPONSE_SKIP.has(name)) continue;
    out.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return out;
}

function asFailure(err: Error): UpstreamFailure {
  return err instanceof UpstreamFailure ? err : new UpstreamFailure("network", err.message);
}

/** Sends requests to one base URL over a pooled keep-alive connection set. */
export class HttpClient {
  readonly #base: URL;
  readonly #basePath: string;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #timeouts: Timeouts;

  constructor(options: HttpClientOptions) {
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
   * POSTs `body` to `path` (relative to the base URL's path) and resolves with
   * the response once its headers arrive. Rejects with UpstreamFailure on a
   * network error or timeout before that; after it, the body stream errors.
   */
  post(
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array,
    signal: AbortSignal,
  ): Promise<Response> {
    const t = this.#timeouts;
    return new Promise<Response>((resolve, reject) => {
      if (signal.aborted) return reject(new UpstreamFailure("network", "client disconnected"));
      let fail: (err: UpstreamFailure) => void = reject;
      const timers: ReturnType<typeof setTimeout>[] = [];
      const clear = () => {
        timers.forEach(clearTimeout);
        signal.removeEventListener("abort", onAbort);
      };
      const abortWith = (kind: "network" | "timeout", message: string) => {
        const err = new UpstreamFailure(kind, message);
        req.destroy(err);
        fail(err);
      };
      const onAbort = () => abortWith("network", "client disconnected");

      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      headers["content-length"] = String(bytes.length);
      const req = this.#request({
        agent: this.#agent,
        protocol: this.#base.protocol,
        hostname: this.#base.hostname,
        port: this.#base.port || undefined,
        method: "POST",
        path: this.#basePath + path,
        headers,
      }, (res) => {
        clearTimeout(firstByte);
        let lastChunk = Date.now();
        const idleCheck = (): void => {
          const silent = Date.now() - lastChunk;
          if (silent >= t.idleMs) {
            abortWith("timeout", `no data for ${t.idleMs / 1000} s (idle_timeout_s)`);
          } else timers.push(setTimeout(idleCheck, t.idleMs - silent));
        };
        timers.push(setTimeout(idleCheck, t.idleMs));
        let ended = false;
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            const end = (err?: Error) => {
              if (ended) return;
              ended = true;
              clear();
              if (err) controller.error(err);
              else controller.close();
            };
            // After the headers, any failure but a timeout is the connection closing mid-body.
            const cut = () =>
              end(new UpstreamFailure("network", "upstream closed the connection mid-body"));
            fail = (err) => (err.kind === "timeout" ? end(err) : cut());
            res.on("data", (chunk: Uint8Array) => {
              if (ended) return;
              lastChunk = Date.now();
              controller.enqueue(chunk);
              if ((controller.desiredSize ?? 1) <= 0) res.pause();
            });
            res.on("end", () => end());
            // A connection that closes before the body's end is a failure, not an end.
            res.on("error", cut);
            res.on("close", () => res.complete || cut());
          },
          pull() {
            res.resume();
          },
          cancel() {
            ended = true;
            clear();
            req.destroy();
          },
        });
        resolve(
          new Response(stream, { status: res.statusCode ?? 502, headers: webHeaders(res.headers) }),
        );
      });

      // Before the response this rejects; after it, it errors the body stream.
      req.on("error", (err) => {
        clear();
        fail(asFailure(err));
      });
      req.on("socket", (socket: Socket) => {
        if (!socket.connecting) return;
        const connect = setTimeout(
          () =>
            abortWith(
              "timeout",
              `no connection within ${t.connectMs / 1000} s (connect_timeout_s)`,
            ),
          t.connectMs,
        );
        timers.push(connect);
        socket.once("connect", () => clearTimeout(connect));
      });
      const firstByte = setTimeout(
        () =>
          abortWith(
            "timeout",
            `no response within ${t.firstByteMs / 1000} s (first_byte_timeout_s)`,
          ),
        t.firstByteMs,
      );
      timers.push(firstByte);
      timers.push(setTimeout(
        () => abortWith("timeout", `not complete within ${t.totalMs / 1000} s (timeout_s)`),
        t.totalMs,
      ));
      signal.addEventListener("abort", onAbort, { once: true });
      req.end(bytes);
    });
  }

  /** Closes idle pooled connections. */
  close(): void {
    this.#agent.destroy();
  }
}
