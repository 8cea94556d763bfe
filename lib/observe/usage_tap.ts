/**
 * Reads usage off a pass-through body without decoding it: a native byte
 * search for `"usage":{` per chunk; only a region that holds one is decoded,
 * and only the usage object itself is parsed. Works for every format's SSE and
 * JSON, since each reports usage in an object under that key.
 */
import { Buffer } from "node:buffer";
import { objectAt } from "../raw_json.ts";
import type { Usage } from "../translate/answer.ts";
import { emptyUsage, mergeUsage } from "../translate/answer.ts";

const NEEDLE = Buffer.from('"usage":');
const NEWLINE = 10;
const OPEN_BRACE = 123;
/** A line longer than this without a newline is not kept for a later usage look. */
const MAX_PARTIAL = 1 << 20;

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** True when `buf` holds `"usage":` followed by an object (not `null`). */
function hasUsageObject(buf: Buffer): boolean {
  for (let i = buf.indexOf(NEEDLE); i >= 0; i = buf.indexOf(NEEDLE, i + 1)) {
    let j = i + NEEDLE.length;
    while (buf[j] === 32) j++;
    if (buf[j] === OPEN_BRACE) return true;
  }
  return false;
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

/**
 * Collects usage from a stream's chunks. Usage objects are merged key by key
 * (Anthropic reports input in `message_start`, output in `message_delta`) and
 * converted once at the end by the format's reader.
 */
export class UsageTap {
  #raw: Record<string, unknown> | null = null;
  #partial: Buffer | null = null;

  constructor(readonly read: (raw: Record<string, unknown>) => Partial<Usage>) {}

  /** Looks at one chunk; complete lines are scanned, a trailing partial line is kept. */
  push(chunk: Uint8Array): void {
    let buf = asBuffer(chunk);
    if (this.#partial) buf = Buffer.concat([this.#partial, buf]);
    const end = buf.lastIndexOf(NEWLINE) + 1;
    this.#partial = end < buf.length && buf.length - end <= MAX_PARTIAL ? buf.subarray(end) : null;
    if (end > 0) this.#scan(buf.subarray(0, end));
  }

  /** The usage seen, or null when the body reported none. */
  finish(): Usage | null {
    if (this.#partial) this.#scan(this.#partial);
    this.#partial = null;
    return this.#raw ? mergeUsage(emptyUsage(), this.read(this.#raw)) : null;
  }

  #scan(buf: Buffer): void {
    if (!hasUsageObject(buf)) return;
    for (const obj of usageObjects(buf.toString("utf8"))) {
      this.#raw ??= {};
      for (const [k, v] of Object.entries(obj)) if (v !== null) this.#raw[k] = v;
    }
  }
}

/** The usage of a whole JSON answer: its last (top-level) usage object. */
export function usageOfBody(
  bytes: Uint8Array,
  read: (raw: Record<string, unknown>) => Partial<Usage>,
): Usage | null {
  const buf = asBuffer(bytes);
  const at = buf.lastIndexOf(NEEDLE);
  if (at < 0) return null;
  const obj = usageObjects(buf.toString("utf8", at)).at(0);
  return obj ? mergeUsage(emptyUsage(), read(obj)) : null;
}
