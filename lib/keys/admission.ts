/**
 * Admission for virtual keys (SPEC §11): one decision per request, before it
 * goes anywhere — the model, the budget, the rate windows, the slots, in
 * that order, each refusal in the endpoint's format with when to come back.
 * What an admitted request used is charged when its usage is known.
 */
import { ProxyError } from "../errors.ts";
import type { LimitName, LimitStore, Usage, Verdict } from "../state/types.ts";
import { mayCall, type VirtualKey } from "./keys.ts";
import { periodEnd, periodStart, rfc3339 } from "./periods.ts";

/** An admitted request: what its answer says of the key's limits, and its slot to give back. */
export interface Ticket {
  headers: Record<string, string>;
  release(): void;
}

/** OpenAI's way of writing a wait: `17ms`, `1s`, `6m0s`, `1h2m3s`. */
function resetText(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

/** The six `x-ratelimit-*` headers OpenAI sends (SPEC §11): the key's, after this request. */
export const RATE_LIMIT_HEADERS = [
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
] as const;

function rateLimitHeaders(key: VirtualKey, u: Usage): Record<string, string> {
  const out: Record<string, string> = {};
  if (key.rpm !== undefined) {
    out["x-ratelimit-limit-requests"] = String(key.rpm);
    out["x-ratelimit-remaining-requests"] = String(Math.max(0, key.rpm - u.requests));
    out["x-ratelimit-reset-requests"] = resetText(u.requestsResetMs);
  }
  if (key.tpm !== undefined) {
    out["x-ratelimit-limit-tokens"] = String(key.tpm);
    out["x-ratelimit-remaining-tokens"] = String(Math.max(0, key.tpm - u.tokens));
    out["x-ratelimit-reset-tokens"] = resetText(u.tokensResetMs);
  }
  return out;
}

const WORDS: Record<Exclude<LimitName, "budget">, (key: VirtualKey) => string> = {
  rpm: (k) => `its rpm limit (${k.rpm} requests per minute)`,
  tpm: (k) => `its tpm limit (${k.tpm} tokens per minute)`,
  max_parallel: (k) => `its max_parallel limit (${k.maxParallel} requests at once)`,
};

/** What a key's usage looks like from outside: `/admin/keys`. */
export interface KeyReport {
  name: string;
  limits: {
    models: string[] | null;
    rpm: number | null;
    tpm: number | null;
    max_parallel: number | null;
    budget: { usd: number; period: string } | null;
    expires: string | null;
  };
  usage: { requests: number; tokens: number; in_flight: number };
  spend_usd: number;
  budget_left_usd: number | null;
  resets_at: string | null;
  metadata: Record<string, unknown>;
}

export class Admission {
  constructor(
    readonly store: LimitStore,
    readonly clock: () => number,
    /** Told each refusal, for `switchyard_rate_limited_total`. */
    readonly onRefused: (key: string, limit: LimitName) => void = () => {},
  ) {}

  /** Throws 403 unless `key` may call `model`. */
  check(key: VirtualKey, model: string): void {
    if (mayCall(key, model)) return;
    throw new ProxyError(
      403,
      `key '${key.name}' may not call model '${model}'; it may call: ${
        key.models!.map((g) => g.pattern).join(", ")
      }`,
      "model_not_allowed",
    );
  }

  /**
   * Admits `key`'s request for `model`, or throws the refusal (403, 402,
   * 429). At once when the store answers at once (memory), else a promise.
   */
  admit(key: VirtualKey, model: string): Ticket | Promise<Ticket> {
    this.check(key, model);
    const now = this.clock();
    const period = key.budget ? periodStart(key.budget.period, now) : 0;
    const verdict = this.store.admit(key.account, key.limits, now, period, true);
    return verdict instanceof Promise
      ? verdict.then((v) => this.#ticket(key, v, now))
      : this.#ticket(key, verdict, now);
  }

  #ticket(key: VirtualKey, verdict: Verdict, now: number): Ticket {
    if (!verdict.admitted) {
      this.onRefused(key.name, verdict.limit);
      if (verdict.limit === "budget") {
        const { usd, period: every } = key.budget!;
        const end = periodEnd(every, now);
        throw new ProxyError(
          402,
          `key '${key.name}' has spent its budget of $${usd} ${
            every === "total"
              ? "in total: it does not reset"
              : `this ${every}; it resets at ${rfc3339(end!)}`
          }`,
          "budget_exceeded",
        );
      }
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      throw new ProxyError(
        429,
        `key '${key.name}' is over ${WORDS[verdict.limit](key)}: retry in ${seconds} s`,
        "rate_limit_exceeded",
        { "retry-after": String(seconds) },
      );
    }
    let released = false;
    return {
      headers: key.limited ? rateLimitHeaders(key, verdict.usage) : {},
      release: () => {
        if (released || verdict.slot === undefined) return;
        released = true;
        const done = this.store.release(key.account, verdict.slot!);
        if (done instanceof Promise) done.catch(() => {});
      },
    };
  }

  /** Charges a finished request's tokens and cost to the key that made it. */
  charge(key: VirtualKey, tokens: number, usd: number): void | Promise<void> {
    if (tokens === 0 && usd === 0) return;
    const now = this.clock();
    const period = key.budget ? periodStart(key.budget.period, now) : 0;
    return this.store.charge(key.account, tokens, usd, now, period);
  }

  async report(key: VirtualKey): Promise<KeyReport> {
    const now = this.clock();
    const period = key.budget ? periodStart(key.budget.period, now) : 0;
    const u = await this.store.usage(key.account, now, period);
    const end = key.budget ? periodEnd(key.budget.period, now) : null;
    return {
      name: key.name,
      limits: {
        models: key.models?.map((g) => g.pattern) ?? null,
        rpm: key.rpm ?? null,
        tpm: key.tpm ?? null,
        max_parallel: key.maxParallel ?? null,
        budget: key.budget ?? null,
        expires: key.expires === undefined ? null : rfc3339(key.expires),
      },
      usage: { requests: u.requests, tokens: u.tokens, in_flight: u.inFlight },
      spend_usd: u.spendUsd,
      budget_left_usd: key.budget ? Math.max(0, key.budget.usd - u.spendUsd) : null,
      resets_at: end === null ? null : rfc3339(end),
      metadata: key.metadata,
    };
  }
}
