/**
 * Who is calling (SPEC §11): the key presented (`Authorization: Bearer K` or
 * `x-api-key: K`), looked up by its SHA-256 — an admin key of
 * `server.api_keys`, a virtual key of `keys`, or, when none is configured,
 * anyone. The digest is what is compared, so the time a lookup takes says
 * nothing about the secret.
 */
import type { KeyConfig } from "../config/schema.ts";
import { compileGlob, type Glob, matchesAny } from "../glob.ts";
import { keyDigest } from "./new_key.ts";
import type { Period } from "./periods.ts";
import type { Limits } from "../state/types.ts";

/** A virtual key as configured, ready to check requests against. */
export interface VirtualKey {
  name: string;
  /** Client model globs it may call; null: every model. */
  models: Glob[] | null;
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
  budget?: { usd: number; period: Period };
  /** Epoch ms after which it is refused. */
  expires?: number;
  metadata: Record<string, unknown>;
  /** True when it has a rate limit or a budget: its answers carry `x-ratelimit-*`. */
  limited: boolean;
  /** Its limits as the store takes them, and where its account is kept (worked out once). */
  limits: Limits;
  account: string;
}

/** An identity: an admin key, a virtual key, or anyone (no keys configured, or an open route). */
export type Caller =
  | { kind: "admin"; name: "admin" }
  | { kind: "anonymous"; name: null }
  | { kind: "key"; name: string; key: VirtualKey };

export const ANYONE: Caller = { kind: "anonymous", name: null };
const ADMIN: Caller = { kind: "admin", name: "admin" };

/** The key a client presented, if any. */
export function presentedKey(headers: Headers, google?: { query: string }): string | null {
  const auth = headers.get("authorization");
  if (auth !== null && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ") {
    return auth.slice(7).trim();
  }
  const key = headers.get("x-api-key");
  if (key !== null || !google) return key;
  // Gemini's clients send theirs as `x-goog-api-key`, or in the URL (`?key=`).
  return headers.get("x-goog-api-key") ??
    (google.query ? new URLSearchParams(google.query).get("key") : null);
}

function virtualKey(k: KeyConfig): VirtualKey {
  return {
    name: k.name,
    models: k.models ? k.models.map(compileGlob) : null,
    rpm: k.rpm,
    tpm: k.tpm,
    maxParallel: k.max_parallel,
    budget: k.budget,
    expires: k.expires === undefined ? undefined : Date.parse(k.expires),
    metadata: k.metadata,
    limited: k.rpm !== undefined || k.tpm !== undefined || k.budget !== undefined,
    limits: { rpm: k.rpm, tpm: k.tpm, maxParallel: k.max_parallel, budgetUsd: k.budget?.usd },
    account: `key:${k.name}`,
  };
}

/** True when `key` may call `model`. */
export function mayCall(key: VirtualKey, model: string): boolean {
  return key.models === null || matchesAny(key.models, model);
}

/** The configured keys, by digest. */
export class KeyTable {
  readonly #admin: Set<string>;
  readonly #virtual = new Map<string, VirtualKey>();
  readonly byName = new Map<string, VirtualKey>();

  constructor(adminKeys: readonly string[], keys: readonly KeyConfig[]) {
    this.#admin = new Set(adminKeys.map(keyDigest));
    for (const k of keys) {
      const key = virtualKey(k);
      this.#virtual.set(k.key_sha256?.toLowerCase() ?? keyDigest(k.key!), key);
      this.byName.set(key.name, key);
    }
  }

  /** True when a key is required: some admin or virtual key is configured. */
  get enabled(): boolean {
    return this.#admin.size > 0 || this.#virtual.size > 0;
  }

  /** True when virtual keys are configured: log lines and metrics name the key. */
  get named(): boolean {
    return this.#virtual.size > 0;
  }

  /** The caller behind `headers`; `expired` for a virtual key past its date; null for none or an unknown one. */
  identify(given: string | null, now: number): Caller | "expired" | null {
    if (!this.enabled) return ANYONE;
    if (given === null) return null;
    const digest = keyDigest(given);
    if (this.#admin.has(digest)) return ADMIN;
    const key = this.#virtual.get(digest);
    if (!key) return null;
    if (key.expires !== undefined && now >= key.expires) return "expired";
    return { kind: "key", name: key.name, key };
  }
}
