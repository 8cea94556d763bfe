/**
 * `cache`: an exact-match cache of non-streaming answers — what makes the
 * key, and what a request's `Cache-Control` allows. The key is the caller,
 * the API, the query, the API's vendor headers (`anthropic-beta`, …) and the
 * request as it would go upstream (after transforms and hooks): one caller's
 * answers never reach another. The answers live in an AnswerStore (state/).
 */
import { createHash } from "node:crypto";

/**
 * The key of a request from everything that makes its answer (a digest, so
 * huge prompts do not live twice in memory). Each part is length-prefixed:
 * no two lists of parts share a key.
 */
export function cacheKey(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest("base64");
}

/**
 * What scopes a cached answer besides the body: who asks (the key presented),
 * the query string, and the headers of the API's vendor (`prefix`), which change what an answer is.
 */
export function cacheScope(
  caller: string,
  query: string,
  headers: Headers,
  prefix: string | undefined,
): string[] {
  const parts = [caller, query];
  if (prefix) {
    headers.forEach((value, name) => {
      if (name.startsWith(prefix)) parts.push(`${name}=${value}`);
    });
  }
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
