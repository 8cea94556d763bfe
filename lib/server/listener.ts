/**
 * Accepting connections ourselves, so abuse cannot take the process down.
 * `Deno.serve` (2.9) has no header or keep-alive timeout and no connection
 * cap, and an accept error (EMFILE at the file-descriptor limit) rejects its
 * accept loop: the process exits, or lives on without listening. Here the
 * accept loop survives errors (backing off while descriptors are short),
 * connections past `max_connections` get a 503 and are closed, and one check
 * on the shared ticker closes connections whose request head is late
 * (`header_timeout_s`), that sat idle (`keepalive_s`), or that the app said to
 * close (a body it would not wait for). Each connection is served by the same
 * HTTP machinery as `Deno.serve` (Deno's internal `serveHttpOnConnection`);
 * Deno is pinned, and a Deno without it is refused at start.
 */
import { nowAndThen } from "../observe/now_and_then.ts";
import { watch } from "../watchdog.ts";

type Handler = (req: Request) => Response | Promise<Response>;

type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: (req: Request, info: { completed: Promise<void> }) => Response | Promise<Response>,
  onError: (err: unknown) => Response | Promise<Response>,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

const internals = (Deno as unknown as Record<symbol, Record<string, unknown>>)[
  (Deno as unknown as { internal: symbol }).internal
];
const serveHttpOnConnection = internals?.serveHttpOnConnection as ServeOnConnection | undefined;

export interface ListenOptions {
  hostname: string;
  port: number;
  maxConnections: number;
  /** From accept until the first request's head is in. */
  headerTimeoutMs: number;
  /** From the last response until the next request, or the close. */
  keepAliveMs: number;
  handler: Handler;
  /** For what escaped the handler: the response, if one can still be sent. */
  onError(err: unknown): Response;
  /** Told, at most once a minute, why connections are being refused or dropped. */
  warn(message: string): void;
  /** Share the port with other processes (workers). */
  reusePort?: boolean;
}

export interface Listening {
  addr: Deno.NetAddr;
  /** Connections open now. */
  connections(): number;
  /** Stops accepting and lets every connection finish what it is serving. */
  shutdown(): Promise<void>;
}

/** A connection's state for the deadline check. */
interface Connection {
  close: AbortController;
  /** Requests being answered on it. */
  busy: number;
  /** When it is closed unless a request comes (epoch ms); Infinity while busy. */
  deadline: number;
  served: ReturnType<ServeOnConnection>;
}

const BUSY_BODY =
  '{"error":{"message":"too many connections (server.max_connections)","type":"server_error"}}';
/** Sent to a connection past the cap, which is then closed. */
const BUSY = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n" +
    `content-length: ${BUSY_BODY.length}\r\nretry-after: 1\r\nconnection: close\r\n\r\n${BUSY_BODY}`,
);
/** How long accepting pauses after an accept error (descriptors run out: some must close first). */
const ACCEPT_BACKOFF_MS = 50;

export function listen(options: ListenOptions): Listening {
  if (!serveHttpOnConnection) {
    throw new Error(
      "this Deno has no serveHttpOnConnection: run switchyard on the Deno it is pinned to (deno.json, .ci/run)",
    );
  }
  const serve = serveHttpOnConnection;
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
    // Workers share the port (SO_REUSEPORT): the kernel spreads connections across them.
    reusePort: options.reusePort,
  });
  const open = new Set<Connection>();
  const warn = nowAndThen(options.warn);

  const unwatch = watch((now) => {
    for (const c of open) {
      if (c.deadline <= now) {
        c.deadline = Infinity;
        c.close.abort();
      }
    }
  });

  const accept = (conn: Deno.Conn) => {
    const c: Connection = {
      close: new AbortController(),
      busy: 0,
      deadline: Date.now() + options.headerTimeoutMs,
      served: undefined!,
    };
    open.add(c);
    c.served = serve(
      conn,
      c.close.signal,
      async (req, info) => {
        c.busy++;
        c.deadline = Infinity;
        let closeAfter = false;
        info.completed.catch(() => {}).finally(() => {
          if (--c.busy > 0) return;
          c.deadline = closeAfter ? 0 : Date.now() + options.keepAliveMs;
        });
        const res = await options.handler(req);
        // `connection: close`: the app will not read the rest of the body (408, 413), so nothing else can follow.
        closeAfter = res.headers.get("connection") === "close";
        return res;
      },
      options.onError,
      () => {},
    );
    // It rejects on a reset connection: caught, or it would end the process.
    c.served.finished.catch(() => {}).finally(() => open.delete(c));
  };

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted) {
          return;
        }
        warn(`cannot accept connections: ${(err as Error).message}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_BACKOFF_MS));
        continue;
      }
      if (open.size >= options.maxConnections) {
        warn(`refusing connections: ${open.size} open (server.max_connections)`);
        conn.write(BUSY).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed by the client already */ }
        });
        continue;
      }
      accept(conn);
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    connections: () => open.size,
    async shutdown() {
      listener.close();
      await accepting;
      await Promise.all([...open].map((c) => c.served.shutdown().catch(() => {})));
      unwatch();
    },
  };
}
