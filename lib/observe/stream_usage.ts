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
const EVENT = /(?:^|\n\n)(data: \{[^\n]*"choices":\[\][^\n]*"usage":\{[^\n]*\}\n\n)/;

/** The chunk without the usage-only event (`"choices":[]`), or undefined when it has none. */
export function stripUsageChunk(chunk: Uint8Array): Uint8Array | undefined {
  const text = decoder.decode(chunk);
  if (!text.includes('"choices":[]')) return undefined;
  const m = EVENT.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length - m[1].length;
  return encoder.encode(text.slice(0, start) + text.slice(start + m[1].length));
}
