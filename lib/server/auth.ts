/**
 * Proxy keys: `Authorization: Bearer K` or `x-api-key: K`, compared in
 * constant time: every configured key is compared in full, and a comparison's
 * time depends only on the configured key's length, never on the presented one.
 */

/** The key a client presented, if any. */
export function presentedKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth !== null && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ") {
    return auth.slice(7).trim();
  }
  return headers.get("x-api-key");
}

/** Compares all of `known` whatever `given` is; no early exit. */
function equalConstantTime(given: string, known: string): boolean {
  let diff = given.length ^ known.length;
  for (let i = 0; i < known.length; i++) diff |= (given.charCodeAt(i) | 0) ^ known.charCodeAt(i);
  return diff === 0;
}

/** Checks presented keys against the configured ones; no keys means open. */
export class KeyCheck {
  constructor(readonly keys: readonly string[]) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** True when the request may pass. */
  allows(headers: Headers): boolean {
    if (!this.enabled) return true;
    const key = presentedKey(headers);
    if (key === null) return false;
    let ok = false;
    for (const known of this.keys) ok = equalConstantTime(key, known) || ok;
    return ok;
  }
}
