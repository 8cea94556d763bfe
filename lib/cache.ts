/**
 * `cache`: an exact-match cache of non-streaming answers. The key is the
 * caller, the API, the query, the vendor headers (`anthropic-beta`, …) and the
 * request as it would go upstream (after transforms and hooks): one caller's
 * answers never reach another. The value is what the client got. Entries live `ttl_s`; past `max_entries` the
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

  /**
   * The key of a request from everything that makes its answer (a digest, so
   * huge prompts do not live twice in memory). Each part is length-prefixed:
   * no two lists of parts share a key.
   */
  static key(parts: readonly string[]): string {
    const hash = createHash("sha256");
    for (const part of parts) hash.update(`${part.length}:`).update(part);
    return hash.digest("base64");
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

/**
 * What scopes a cached answer besides the body: who asks (the key presented),
 * the query string, and the vendor headers, which change what an answer is.
 */
export function cacheScope(caller: string, query: string, headers: Headers): string[] {
  const parts = [caller, query];
  headers.forEach((value, name) => {
    if (name.startsWith("anthropic-") || name.startsWith("openai-")) parts.push(`${name}=${value}`);
  });
  return parts;
}

/** What the request's `Cache-Control` allows: reading an answer from the cache, writing one to it. */
export function cacheControl(headers: Headers): { read: boolean; write: boolean } {
  const value = headers.get("cache-control")?.toLowerCase() ?? "";
  return {
    read: !value.includes("no-cache") && !value.includes("no-store"),
    write: !value.includes("no-store"),
  };
}
