/**
 * OpenAI chat streams report usage only when asked (`stream_options.include_usage`).
 * So that a streamed answer logs the same usage and cost as the same answer not
 * streamed, switchyard asks for it on every chat stream, and takes the usage-only
 * chunk back out when the client had not asked for it.
 */
import type { ClientRequest } from "../server/body.ts";

/**
 * Makes a streaming chat request ask for usage; true when the client had not
 * (its stream must then lose the usage chunk). The raw body keeps its bytes,
 * with the option spliced in at the start.
 */
export function askForStreamUsage(request: ClientRequest): boolean {
  const { body } = request;
  if (!request.stream) return false;
  const options = body.stream_options as Record<string, unknown> | undefined;
  if (options?.include_usage === true) return false;
  body.stream_options = { ...options, include_usage: true };
  const open = request.raw?.indexOf("{") ?? -1;
  if (options === undefined && open >= 0) {
    request.raw = `${request.raw!.slice(0, open + 1)}"stream_options":{"include_usage":true},${
      request.raw!.slice(open + 1)
    }`;
  } else request.raw = undefined;
  return true;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const MARK = '"choices":[]';

// The typed array's own: a Buffer's `indexOf` is a slower JavaScript override.
const indexOf = Uint8Array.prototype.indexOf;

/**
 * True when the bytes hold `[]`: every other chunk is passed without being
 * decoded. The native `indexOf` jumps from `]` to `]`: 0.15 µs for a 230-byte
 * event, where a JavaScript loop over the bytes took 0.47 (chunks come as
 * Buffers and Uint8Arrays, and indexing both is slow).
 */
function hasEmptyArray(chunk: Uint8Array): boolean {
  for (let i = indexOf.call(chunk, 93, 1); i > 0; i = indexOf.call(chunk, 93, i + 1)) {
    if (chunk[i - 1] === 91) return true;
  }
  return false;
}

/** Below this, a chunk is scanned for `[]` before it is decoded; above it, decoding costs less. */
const SCAN_BYTES = 1024;

/**
 * The chunk without the usage-only event (one `data: {…"choices":[]…"usage":{…}`
 * line and its blank line), or undefined when it has none. A small chunk (one
 * event, as streams usually arrive) is decoded only when it holds an empty
 * array: for one 230-byte event the scan costs 0.15 µs, decoding and searching
 * it 0.35; the two cost the same near 1 KiB. String searches then find the
 * line (a regex of `[^\n]*` backtracks over the whole line).
 */
export function stripUsageChunk(chunk: Uint8Array): Uint8Array | undefined {
  if (chunk.length < SCAN_BYTES && !hasEmptyArray(chunk)) return undefined;
  const text = decoder.decode(chunk);
  const at = text.indexOf(MARK);
  if (at < 0) return undefined;
  const start = text.lastIndexOf("\n", at) + 1;
  const end = text.indexOf("\n", at);
  const isEvent = (start === 0 || text[start - 2] === "\n") && text.startsWith("data: {", start) &&
    end >= 0 && text[end + 1] === "\n" && text.slice(at, end).includes('"usage":{');
  return isEvent ? encoder.encode(text.slice(0, start) + text.slice(end + 2)) : undefined;
}
