/**
 * Rewriting the text of a stream in its own format (response_regex, plugins'
 * onChunk), event by event on the raw SSE events: only the text changes;
 * every other event — tool calls, thinking, server tools, citations, usage —
 * passes byte for byte. Each format says where its text is
 * (`<format>/rewrite.ts`).
 */
type Awaitable<T> = T | Promise<T>;

/** Rewrites one text as it streams: each piece in, what may go out now; at its end, what it held back. */
export interface TextEdit {
  push(text: string): Awaitable<string>;
  end(): Awaitable<string>;
}

/** A fresh edit for each text (a content block, an output item, a choice's content). */
export type Editor = () => TextEdit;

/** The JSON data of a raw SSE event, or null when it has none (a comment, `[DONE]`). */
export function eventData(event: string): Record<string, unknown> | null {
  const at = event.startsWith("data: ") ? 0 : event.indexOf("\ndata: ") + 1;
  if (at < 0 || event.startsWith("[DONE]", at + 6)) return null;
  const end = event.indexOf("\n", at);
  try {
    return JSON.parse(event.slice(at + 6, end < 0 ? undefined : end));
  } catch {
    return null;
  }
}

/** An SSE event with `data`, named when `name` is given. */
export function sseEvent(data: unknown, name?: string): string {
  return name
    ? `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
    : `data: ${JSON.stringify(data)}\n\n`;
}
