/**
 * Who is calling: the key presented (`Authorization: Bearer K` or
 * `x-api-key: K`), compared in constant time with every configured one, as
 * an identity the steps after can act on. No keys configured: anyone.
 */
import { ProxyError } from "../../errors.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

/** An identity: an admin key (`server.api_keys`), or anyone when no keys are configured. */
export interface Caller {
  kind: "admin" | "anonymous";
  /** What logs and metrics call it: `admin`, or null for anyone. */
  name: string | null;
}

const ANYONE: Caller = { kind: "anonymous", name: null };
const ADMIN: Caller = { kind: "admin", name: "admin" };

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

/** The configured keys. */
export class Keys {
  constructor(readonly keys: readonly string[]) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The caller behind `headers`, or null for a missing or unknown key. */
  identify(headers: Headers): Caller | null {
    if (!this.enabled) return ANYONE;
    const key = presentedKey(headers);
    if (key === null) return null;
    let ok = false;
    for (const known of this.keys) ok = equalConstantTime(key, known) || ok;
    return ok ? ADMIN : null;
  }
}

/** The identify step: a caller, or a 401 in the endpoint's format. Open endpoints pass as anyone. */
export function identify(x: Exchange, next: Next): Promise<Answered> {
  const caller = x.endpoint!.open ? ANYONE : x.rt.keys.identify(x.req.headers);
  if (!caller) {
    throw new ProxyError(
      401,
      "missing or invalid proxy key: send 'Authorization: Bearer <key>' or 'x-api-key'",
      "invalid_api_key",
    );
  }
  x.caller = caller;
  return next();
}
