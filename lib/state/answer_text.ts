/** Cached answers as text, for the stores that keep text (SQLite, Redis). */
import { Buffer } from "node:buffer";
import type { CachedAnswer } from "./types.ts";

/** A cached answer as text, its body in base64. */
export function encodeAnswer(a: CachedAnswer): string {
  return JSON.stringify({ ...a, body: Buffer.from(a.body).toString("base64") });
}

export function decodeAnswer(text: string): CachedAnswer {
  const a = JSON.parse(text);
  return { ...a, body: new Uint8Array(Buffer.from(a.body, "base64")) };
}
