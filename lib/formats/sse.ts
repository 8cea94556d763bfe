/**
 * Server-sent events, read (eventsource-parser) and written. Used where a
 * stream must be understood — translation, the splitter, rewrites — never on
 * the plain pass-through path.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { UpstreamFailure } from "../errors.ts";

export type { EventSourceMessage };

/** Bytes to parsed SSE messages; an event longer than `maxEventBytes` fails the stream. */
export function sseMessages(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number,
): ReadableStream<EventSourceMessage> {
  return body.pipeThrough(eventLimit(maxEventBytes, "sse")).pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
}

// The typed array's own: a Buffer's is a slower JavaScript override.
const indexOf = Uint8Array.prototype.indexOf;

/**
 * Bytes passed on as they are, failing once one event runs past `max` bytes:
 * an SSE event ends at a blank line, an NDJSON record (`lines`) at a newline.
 * A parser downstream holds the event it is reading, so an endless one must
 * not reach it.
 */
export function eventLimit(
  max: number,
  kind: "sse" | "lines",
): TransformStream<Uint8Array, Uint8Array> {
  /** Bytes of the event's finished lines, of its line so far, and that line's last byte. */
  let event = 0;
  let line = 0;
  let last = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      let from = 0;
      for (let nl = indexOf.call(chunk, 10); nl >= 0; nl = indexOf.call(chunk, 10, nl + 1)) {
        line += nl - from;
        if (nl > from) last = chunk[nl - 1];
        // An empty line (a lone CR counts as empty) ends an SSE event; every line ends a record.
        const ends = kind === "lines" || line === 0 || (line === 1 && last === 13);
        event = ends ? 0 : event + line + 1;
        line = 0;
        from = nl + 1;
      }
      line += chunk.length - from;
      if (chunk.length > from) last = chunk[chunk.length - 1];
      if (event + line > max) {
        throw new UpstreamFailure(
          "network",
          `upstream sent an event over ${max} bytes (server.max_response_mb)`,
        );
      }
      out.enqueue(chunk);
    },
  });
}

/** The headers of a server-sent event stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/** One event as SSE text: `event:` when named, then the data. */
export function sse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

/** Parses an event's JSON data; a malformed event is an upstream failure, not a crash. */
export function eventJson(message: EventSourceMessage): Record<string, unknown> {
  try {
    return JSON.parse(message.data);
  } catch {
    throw new Error(`upstream sent an event that is not JSON: ${message.data.slice(0, 200)}`);
  }
}

/** Splits SSE text into whole raw events (each with its blank line), so passed-through events keep their bytes. */
export function rawEvents(): TransformStream<string, string> {
  let buffer = "";
  const boundary = /\r?\n\r?\n/g;
  return new TransformStream<string, string>({
    transform(text, out) {
      buffer += text;
      let start = 0;
      boundary.lastIndex = 0;
      for (let m = boundary.exec(buffer); m; m = boundary.exec(buffer)) {
        out.enqueue(buffer.slice(start, m.index + m[0].length));
        start = m.index + m[0].length;
      }
      buffer = buffer.slice(start);
    },
    flush(out) {
      if (buffer) out.enqueue(buffer);
    },
  });
}
