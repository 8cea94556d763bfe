/**
 * Proxy keys: `Authorization: Bearer K` or `x-api-key: K`, compared in
 * constant time (both sides hashed, so neither length nor content leaks).
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (key: string) => createHash("sha256").update(key).digest();

/** The key a client presented, if any. */
export function presentedKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return headers.get("x-api-key");
}

/** Checks presented keys against the configured ones; no keys means open. */
export class KeyCheck {
  readonly #digests: Uint8Array[];

  constructor(keys: string[]) {
    this.#digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** True when the request may pass. */
  allows(headers: Headers): boolean {
    if (!this.enabled) return true;
    const key = presentedKey(headers);
    if (key === null) return false;
    const d = digest(key);
    let ok = false;
    for (const known of this.#digests) ok = timingSafeEqual(d, known) || ok;
    return ok;
  }
}
