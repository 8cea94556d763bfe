/**
 * A bare HTTP/1.1 client over TCP, for what `fetch` cannot do: send a body
 * slowly or without end, and read the answer before the upload finishes.
 */

export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line), then each
 * body part as an HTTP chunk `gapMs` apart until an answer arrives.
 */
export async function sendChunked(
  url: string,
  head: string,
  parts: Iterable<string>,
  gapMs = 5,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const enc = new TextEncoder();
  await conn.write(
    enc.encode(`${head}\r\nHost: ${hostname}\r\nTransfer-Encoding: chunked\r\n\r\n`),
  );
  let answered = false;
  const writing = (async () => {
    for (const part of parts) {
      if (answered) return;
      await conn.write(enc.encode(`${part.length.toString(16)}\r\n${part}\r\n`)).catch(() => {});
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  let text = "";
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? NaN);
    if (end >= 0 && text.length - end - 4 >= length) break;
  }
  answered = true;
  conn.close();
  await writing;
  const end = text.indexOf("\r\n\r\n");
  return { status: Number(text.slice(9, 12)), head: text.slice(0, end), body: text.slice(end + 4) };
}

/** Body parts that never end. */
export function* endless(part: string): Generator<string> {
  for (;;) yield part;
}

/** A TCP server on port 0 that hands each connection, its request read, to `handle`. */
export function rawUpstream(
  handle: (conn: Deno.Conn) => Promise<void>,
): { url: string; [Symbol.asyncDispose](): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(65536);
        let seen = "";
        while (!seen.includes("\r\n\r\n")) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) return;
          seen += new TextDecoder().decode(buf.subarray(0, n));
        }
        await handle(conn).catch(() => {});
      })().finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
      });
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    [Symbol.asyncDispose]: async () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await serving.catch(() => {});
    },
  };
}

/** Writes text to a raw connection. */
export async function write(conn: Deno.Conn, text: string): Promise<void> {
  await conn.write(new TextEncoder().encode(text));
}
