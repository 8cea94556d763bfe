/** Reading a web stream whole, but never more than a cap of it. */
import { ByteBuffer } from "./byte_buffer.ts";

/**
 * The stream's bytes, up to `limit`. Past it, `over()` decides: an error to
 * throw, or null to keep what fits and stop reading. Either way the rest is
 * cancelled unread.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
  over: () => Error | null,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const out = new ByteBuffer(limit);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out.append(value)) continue;
      const err = over();
      if (err) throw err;
      reader.cancel().catch(() => {});
      break;
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
  return out.bytes();
}
