/**
 * Reads usage off a pass-through body without touching every chunk: usage
 * lives in a stream's first events (Anthropic's `message_start`) and last
 * ones (OpenAI's usage chunk, `message_delta`, `response.completed`), so the
 * tap keeps references to the head and the tail and decodes only those, once,
 * at the end. Every format reports usage in an object under `"usage"`; only
 * those objects are parsed.
 */
import { objectAt } from "../raw_json.ts";
import type { Usage } from "../translate/answer.ts";

/**
 * Bytes kept from a stream's end: usage sits in its last events, each well
 * under this. The start is kept only for formats that report usage there
 * (Anthropic's `message_start`), and only its first chunk or so.
 */
const TAIL_BYTES = 2048;
const HEAD_BYTES = 1024;

type Read = (raw: Record<string, unknown>) => Usage;
const decoder = new TextDecoder();

/** The chunks' text, decoded one by one (a stray split character cannot matter to usage). */
function text(chunks: Uint8Array[]): string {
  let out = "";
  for (const c of chunks) out += decoder.decode(c);
  return out;
}

/** Every usage object in `text`, parsed, in order. */
function usageObjects(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let i = text.indexOf('"usage":'); i >= 0; i = text.indexOf('"usage":', i + 1)) {
    const start = text.indexOf("{", i);
    if (start < 0 || text.slice(i + 8, start).trim() !== "") continue;
    const obj = objectAt(text, start);
    if (!obj) continue;
    try {
      found.push(JSON.parse(obj));
    } catch { /* not JSON after all: skip */ }
  }
  return found;
}

/** Usage objects merged key by key (later reports win), converted by the format's reader. */
function merged(objects: Record<string, unknown>[], read: Read): Usage | null {
  if (objects.length === 0) return null;
  if (objects.length === 1) return read(objects[0]);
  const raw: Record<string, unknown> = {};
  for (const obj of objects) for (const k in obj) if (obj[k] !== null) raw[k] = obj[k];
  return read(raw);
}

/** Keeps references to a stream's last chunks (and first, when asked) as it flows; `finish` reads usage from them. */
export class UsageTap {
  #head: Uint8Array[] = [];
  #headSize: number;
  #tail: Uint8Array[] = [];
  #tailSize = 0;
  /** True once chunks between head and tail were let go. */
  #gap = false;

  /** `head`: whether the format reports usage at the start too. */
  constructor(readonly read: Read, head: boolean) {
    this.#headSize = head ? 0 : HEAD_BYTES;
  }

  push(chunk: Uint8Array): void {
    if (this.#headSize < HEAD_BYTES) {
      this.#head.push(chunk);
      this.#headSize += chunk.length;
      return;
    }
    this.#tail.push(chunk);
    this.#tailSize += chunk.length;
    while (this.#tailSize - this.#tail[0].length >= TAIL_BYTES) {
      this.#tailSize -= this.#tail.shift()!.length;
      this.#gap = true;
    }
  }

  /** The usage the stream reported, or null when it reported none. */
  finish(): Usage | null {
    const head = text(this.#head);
    const tail = text(this.#tail);
    // Without a gap, head and tail are one text: an event may span them.
    return merged(usageObjects(this.#gap && head ? `${head}\n${tail}` : head + tail), this.read);
  }
}

/** The usage of a whole JSON answer: its last usage object, found near the end. */
export function usageOfBody(bytes: Uint8Array, read: Read): Usage | null {
  let text = decoder.decode(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)));
  let at = text.lastIndexOf('"usage":');
  if (at < 0 && bytes.length > TAIL_BYTES) {
    text = decoder.decode(bytes);
    at = text.lastIndexOf('"usage":');
  }
  if (at < 0) return null;
  const [last] = usageObjects(text.slice(at));
  return last ? read(last) : null;
}
