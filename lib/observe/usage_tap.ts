/**
 * Reads usage off a pass-through body without touching every chunk: usage
 * lives in a stream's first event (Anthropic's `message_start`) and its last
 * ones (OpenAI's usage chunk, `message_delta`, `response.completed`), so the
 * tap keeps references to the head and the tail and, at the end, decodes
 * chunks inward from those edges only until it meets a usage object.
 * Every format reports usage in an object under one key (`"usage"`, Gemini's
 * `"usageMetadata"`); only those are parsed.
 */
import { objectAt } from "../raw_json.ts";
import type { Usage } from "../formats/neutral.ts";

/**
 * Bytes kept from a stream's end: usage sits in its last events, each well
 * under this. The start is kept only for formats that report usage there
 * (Anthropic's `message_start`), and only its first chunk or so.
 */
const TAIL_BYTES = 2048;
const HEAD_BYTES = 1024;
/**
 * Bounds that keep a search linear whatever an upstream sends: a usage
 * object is a few hundred bytes, so one longer than this is not one, and
 * after this many object-valued `"usage"` keys that were not one the search
 * gives up (a 300 KB answer of nested `"usage":{` froze the loop for 19 s).
 */
const MAX_USAGE_CHARS = 16384;
const MAX_TRIES = 32;

type Read = (raw: Record<string, unknown>) => Usage;
type Json = Record<string, unknown>;
const decoder = new TextDecoder();

/** Where a search stands: the key it looks for (`"usage":`), how many object-valued ones it may still try. */
interface Search {
  key: string;
  tries: number;
}

const search = (key: string): Search => ({ key: `"${key}":`, tries: MAX_TRIES });

/**
 * The usage object whose key starts at `at`: the object; null when the value
 * is not one (`"usage":null`, or an object too long or not JSON); undefined
 * when the text ends inside it.
 */
function objectAfterKey(text: string, at: number, search: Search): Json | null | undefined {
  let start = at + search.key.length;
  while (text.charCodeAt(start) <= 32) start++;
  if (start >= text.length) return undefined;
  if (text[start] !== "{") return null;
  search.tries--;
  const obj = objectAt(text, start, MAX_USAGE_CHARS);
  if (obj === undefined) return text.length - start > MAX_USAGE_CHARS ? null : undefined;
  try {
    return JSON.parse(obj);
  } catch {
    return null;
  }
}

/** The first usage object in `text`; undefined when there is none, or the first is cut short. */
function firstIn(text: string, search: Search): Json | undefined {
  const key = search.key;
  for (let at = text.indexOf(key); at >= 0 && search.tries > 0; at = text.indexOf(key, at + 1)) {
    const found = objectAfterKey(text, at, search);
    if (found !== null) return found;
  }
  return undefined;
}

/** The last complete usage object in `text` whose key starts before `end`. */
function lastIn(text: string, end: number, search: Search): Json | undefined {
  const key = search.key;
  for (
    let at = text.lastIndexOf(key, end - 1);
    at >= 0 && search.tries > 0;
    at = at ? text.lastIndexOf(key, at - 1) : -1
  ) {
    const found = objectAfterKey(text, at, search);
    if (found) return found;
  }
  return undefined;
}

/** The chunks' text, decoded one by one (a stray split character cannot matter to usage). */
function text(chunks: Uint8Array[]): string {
  let out = "";
  for (const c of chunks) out += decoder.decode(c);
  return out;
}

/** The last usage object in `chunks`, decoded from the end a chunk at a time until one is found. */
function lastOf(chunks: Uint8Array[], key: string): Json | undefined {
  let text = "";
  const found = search(key);
  for (let n = chunks.length - 1; n >= 0 && found.tries > 0; n--) {
    const piece = decoder.decode(chunks[n]);
    text = piece + text;
    // A key past the new piece was searched already, with everything after it.
    const usage = lastIn(text, piece.length, found);
    if (usage) return usage;
  }
  return undefined;
}

/** The first usage object in `chunks`: in the first chunk alone, as it usually is, else in them all. */
function firstOf(chunks: Uint8Array[], key: string): Json | undefined {
  if (chunks.length === 0) return undefined;
  return firstIn(decoder.decode(chunks[0]), search(key)) ??
    (chunks.length > 1 ? firstIn(text(chunks), search(key)) : undefined);
}

/** Keeps references to a stream's last chunks (and first, when asked) as it flows; `finish` reads usage from them. */
export class UsageTap {
  #head: Uint8Array[] = [];
  #headSize: number;
  #tail: Uint8Array[] = [];
  #tailSize = 0;
  /** True once chunks between head and tail were let go. */
  #gap = false;

  /** `head`: whether the format reports usage at the start too; `key`: what its usage is under. */
  constructor(readonly read: Read, readonly head: boolean, readonly key = "usage") {
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

  /** The text of the stream's first and last chunks (what a trace reads its answer's id and end from). */
  edges(): string {
    return this.#gap ? `${text(this.#head)}\n${text(this.#tail)}` : this.tail();
  }

  /** The text of the stream's last chunks (its last events). */
  tail(): string {
    return text(this.#gap ? this.#tail : [...this.#head, ...this.#tail]);
  }

  /**
   * The usage the stream reported, or null when it reported none: its last
   * usage object, merged over its first for formats that report at the start
   * (later reports win, key by key).
   */
  finish(): Usage | null {
    // Without a gap, head and tail are one run of chunks: an event may span them.
    const all = this.#gap ? this.#tail : [...this.#head, ...this.#tail];
    const last = lastOf(all, this.key);
    const first = this.head ? firstOf(this.#gap ? this.#head : all, this.key) : undefined;
    if (!first) return last ? this.read(last) : null;
    if (!last) return this.read(first);
    const raw: Json = { ...first };
    for (const k in last) if (last[k] !== null) raw[k] = last[k];
    return this.read(raw);
  }
}

/** The usage of a whole JSON answer: its last usage object, found near the end. */
export function usageOfBody(bytes: Uint8Array, read: Read, key = "usage"): Usage | null {
  const tail = decoder.decode(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)));
  let found = lastIn(tail, tail.length, search(key));
  // Only when the end holds none is the whole answer decoded.
  if (!found && bytes.length > TAIL_BYTES) {
    const whole = decoder.decode(bytes);
    found = lastIn(whole, whole.length, search(key));
  }
  return found ? read(found) : null;
}
