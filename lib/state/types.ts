/**
 * State the proxy keeps between requests, behind interfaces: this process's
 * memory today (`memory.ts`); a store shared by every instance can implement
 * the same ones. Methods may answer at once or with a promise.
 */

export type Awaitable<T> = T | Promise<T>;

/** Deployments sitting out after repeated failures (the streaks that start them are counted where they fail). */
export interface CooldownStore {
  /** Those of `ids` cooling down now. */
  cooling(ids: readonly string[]): Awaitable<ReadonlySet<string>>;
  /** Starts (or extends) a cooldown of `ms` for `id`. */
  start(id: string, ms: number): Awaitable<void>;
  /** Ends `id`'s cooldown. */
  clear(id: string): Awaitable<void>;
  /** Every cooldown now, with the seconds left. */
  active(): Awaitable<Cooling[]>;
}

export interface Cooling {
  deployment: string;
  seconds_left: number;
}

/** A non-streaming answer as the cache keeps it. */
export interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** The deployment that answered first, for the log. */
  provider: string | null;
  model: string | null;
}

/** Cached answers by key, each for a time. */
export interface AnswerStore {
  get(key: string): Awaitable<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): Awaitable<void>;
}

/** Digests of the companion texts sent to clients, so one replayed in history is recognised. */
export interface CompanionStore {
  remember(digest: string): Awaitable<void>;
  /** Those of `digests` sent recently. */
  known(digests: readonly string[]): Awaitable<ReadonlySet<string>>;
}

/** What a limited caller (a virtual key, a deployment) may use: each limit optional. */
export interface Limits {
  /** Requests per sliding 60 s. */
  rpm?: number;
  /** Tokens per sliding 60 s, as charged. */
  tpm?: number;
  /** Requests in flight at once. */
  maxParallel?: number;
  /** USD this period. */
  budgetUsd?: number;
}

/** Which limit refused a request. */
export type LimitName = "rpm" | "tpm" | "max_parallel" | "budget";

/** One caller's use of its windows, period and slots, as of a moment. */
export interface Usage {
  /** Requests in the last 60 s (this one included, once admitted). */
  requests: number;
  /** Tokens charged in the last 60 s. */
  tokens: number;
  inFlight: number;
  /** Spent this period, USD. */
  spendUsd: number;
  /** Until the oldest request in the window leaves it (0: none in it). */
  requestsResetMs: number;
  /** Until the oldest tokens in the window leave it. */
  tokensResetMs: number;
}

export type Verdict =
  /** `slot`: what to give back, when a slot was taken. */
  | { admitted: true; usage: Usage; slot?: string }
  | { admitted: false; limit: LimitName; retryAfterMs: number };

/**
 * Rate windows, slots and spend, per caller id. `admit` is one atomic
 * decision: checked against every limit and, when admitted, counted (the
 * request in its window; a slot, with `slot`) — so callers sharing a store
 * never both take the last place. Spend is kept per period: a `periodStart`
 * other than the one stored starts it again from 0.
 */
export interface LimitStore {
  admit(
    id: string,
    limits: Limits,
    now: number,
    periodStart: number,
    slot: boolean,
  ): Awaitable<Verdict>;
  /** Gives back the slot an admitted request took. */
  release(id: string, slot: string): Awaitable<void>;
  /**
   * Adds a finished request's tokens (to the window, at `now`) and cost (to
   * the period). A store that may be asked twice (a retry after a timeout)
   * charges a `chargeId` once.
   */
  charge(
    id: string,
    tokens: number,
    usd: number,
    now: number,
    periodStart: number,
    chargeId?: string,
  ): Awaitable<void>;
  usage(id: string, now: number, periodStart: number): Awaitable<Usage>;
}

/** One instance's routing statistics, per deployment: answers in flight, average time to first byte. */
export type RouteStats = Map<string, { inFlight: number; latencyMs?: number }>;

/** Routing statistics a shared store exchanges between instances (SPEC §12). */
export interface SharedRouteStats {
  /** This instance's own, to publish. */
  own(): RouteStats;
  /** Every other instance's, added up (in flight) and averaged (latency). */
  peers(view: RouteStats): void;
}
