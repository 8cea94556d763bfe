/**
 * Server-sent events, read (eventsource-parser) and written. Used where a
 * stream must be understood — translation, the splitter, rewrites — never on
 * the plain pass-through path.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";

export type { EventSourceMessage };

/** Bytes to parsed SSE messages. */
export function sseMessages(body: ReadableStream<Uint8Array>): ReadableStream<EventSourceMessage> {
  return body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
}

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
