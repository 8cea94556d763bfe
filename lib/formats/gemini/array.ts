/**
 * `streamGenerateContent` without `alt=sse` answers with one JSON array, its
 * elements sent as they come: the proxy's Gemini streams are SSE inside, made
 * the array on the way out (an error chunk becomes the array's last element).
 */
const encoder = new TextEncoder();
const BOUNDARY = /\r?\n\r?\n|\n(?=\{"error")/g;

export function sseToJsonArray(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = "";
  let first = true;
  const element = (event: string): string | null => {
    const text = event.trim();
    if (text.startsWith("data:")) return text.slice(5).trim();
    return text.startsWith("{") ? text : null;
  };
  const emit = (out: TransformStreamDefaultController<Uint8Array>, event: string) => {
    const json = element(event);
    if (json === null) return;
    out.enqueue(encoder.encode(`${first ? "[" : ",\r\n"}${json}`));
    first = false;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(bytes, out) {
      buffer += decoder.decode(bytes, { stream: true });
      let start = 0;
      BOUNDARY.lastIndex = 0;
      for (let m = BOUNDARY.exec(buffer); m; m = BOUNDARY.exec(buffer)) {
        emit(out, buffer.slice(start, m.index));
        start = m.index + m[0].length;
      }
      buffer = buffer.slice(start);
    },
    flush(out) {
      emit(out, buffer);
      out.enqueue(encoder.encode(first ? "[]" : "]"));
    },
  });
}
