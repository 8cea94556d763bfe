/**
 * `cache`: an exact-match cache of non-streaming answers. The key is the API
 * and the request as it would go upstream (after transforms and hooks); the
 * value, what the client got. Entries live `ttl_s`; past `max_entries` the
 * least recently used go first. `Cache-Control: no-cache` skips the lookup,
 * `no-store` the storing.
 */
import { createHash } from "node:crypto";

export interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** The deployment that answered first, for the log. */
  provider: string | null;
  model: string | null;
}

interface Entry {
  expires: number;
  answer: CachedAnswer;
}

export class AnswerCache {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly ttlMs: number, readonly maxEntries: number) {}

  /** The key of a request: a digest, so huge prompts do not live twice in memory. */
  static key(api: string, body: string): string {
    return createHash("sha256").update(api).update("\n").update(body).digest("base64");
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= Date.now()) return undefined;
    this.#entries.set(key, entry); // most recently used goes last
    return entry.answer;
  }

  set(key: string, answer: CachedAnswer): void {
    this.#entries.delete(key);
    this.#entries.set(key, { expires: Date.now() + this.ttlMs, answer });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}

/** What the request's `Cache-Control` allows: reading an answer from the cache, writing one to it. */
export function cacheControl(headers: Headers): { read: boolean; write: boolean } {
  const value = headers.get("cache-control")?.toLowerCase() ?? "";
  return {
    read: !value.includes("no-cache") && !value.includes("no-store"),
    write: !value.includes("no-store"),
  };
}
