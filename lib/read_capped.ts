/** Reading a web stream whole, but never more than a cap of it. */
import { Buffer } from "node:buffer";

/**
 * The stream's bytes, up to `limit`. Past it, `over()` decides: an error to
 * throw, or null to keep what fits and stop reading. Either way the rest is
 * cancelled unread.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
  over: () => Error | null,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        const err = over();
        if (err) throw err;
        chunks.push(value.subarray(0, value.length - (size - limit)));
        reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
