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
