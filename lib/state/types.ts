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
