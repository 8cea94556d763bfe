/**
 * Fake upstreams: real HTTP servers on port 0 that record what they were sent
 * and answer as a script says — the real wire formats come from wire.ts.
 */

export interface Received {
  method: string;
  path: string;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
  /** Aborts when the proxy closes the connection (a client that left). */
  signal: AbortSignal;
}

export type Script = (req: Received) => Response | Promise<Response>;

export interface FakeUpstream {
  url: string;
  received: Received[];
  /** The most recent request. */
  last(): Received;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A server that answers each request with `script(request)`. */
export function fakeUpstream(script: Script): FakeUpstream {
  const received: Received[] = [];
  // Deno.serve does not always see a client close a connection while its handler waits
  // (it notices on write): at shutdown every handler still waiting is answered.
  const closing = Promise.withResolvers<Response>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const text = await req.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch { /* not JSON: the test looks at text */ }
    const url = new URL(req.url);
    const r = {
      method: req.method,
      path: url.pathname + url.search,
      headers: req.headers,
      text,
      json,
      signal: req.signal,
    };
    received.push(r);
    // A request the proxy gave up on must not keep the server from shutting down.
    const gone = new Promise<Response>((resolve) => {
      req.signal.addEventListener("abort", () => resolve(new Response(null, { status: 499 })), {
        once: true,
      });
    });
    return await Promise.race([script(r), gone, closing.promise]);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    received,
    last: () => received[received.length - 1],
    [Symbol.asyncDispose]: async () => {
      closing.resolve(new Response(null, { status: 503 }));
      await server.shutdown();
    },
  };
}

/** A body whose chunks are sent one by one, each after its gate (if any) resolves. */
export function chunkedBody(
  chunks: (string | { gate: Promise<unknown> })[],
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (i < chunks.length) {
        const c = chunks[i++];
        if (typeof c === "string") {
          controller.enqueue(enc.encode(c));
          return;
        }
        await c.gate;
      }
      controller.close();
    },
  }, { highWaterMark: 0 });
}

/** A promise and its resolver, for a test to release an upstream at the right moment. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
