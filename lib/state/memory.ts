/** The state stores in this process's memory: fast, and gone with the process. */
import type {
  AnswerStore,
  CachedAnswer,
  CompanionStore,
  CooldownStore,
  Cooling,
  Limits,
  LimitStore,
  Usage,
  Verdict,
} from "./types.ts";

export class MemoryCooldowns implements CooldownStore {
  readonly #until = new Map<string, number>();

  constructor(readonly now: () => number = Date.now) {}

  cooling(ids: readonly string[]): ReadonlySet<string> {
    if (this.#until.size === 0) return NONE;
    const now = this.now();
    const out = new Set<string>();
    for (const id of ids) {
      const until = this.#until.get(id);
      if (until === undefined) continue;
      if (until > now) out.add(id);
      else this.#until.delete(id);
    }
    return out;
  }

  start(id: string, ms: number): void {
    this.#until.set(id, this.now() + ms);
  }

  clear(id: string): void {
    this.#until.delete(id);
  }

  /** Every cooldown at once, as `[id, until]` (a mirror of a shared store). */
  replace(entries: [string, number][]): void {
    this.#until.clear();
    for (const [id, until] of entries) this.#until.set(id, until);
  }

  active(): Cooling[] {
    const now = this.now();
    return [...this.#until.entries()]
      .filter(([, until]) => until > now)
      .map(([deployment, until]) => ({
        deployment,
        seconds_left: Math.ceil((until - now) / 1000),
      }));
  }
}

const NONE: ReadonlySet<string> = new Set();

/** An LRU of answers: past `maxEntries` the least recently used go first; each lives `ttlMs`. */
export class MemoryAnswers implements AnswerStore {
  readonly #entries = new Map<string, { expires: number; answer: CachedAnswer }>();

  constructor(readonly ttlMs: number, readonly maxEntries: number) {}

  get(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= Date.now()) return undefined;
    this.#entries.set(key, entry); // most recently used goes last
    return entry.answer;
  }

  /** Keeps `answer` for the store's time to live (or `ttlMs`, for one read back from a file). */
  set(key: string, answer: CachedAnswer, ttlMs = this.ttlMs): void {
    this.#entries.delete(key);
    this.#entries.set(key, { expires: Date.now() + ttlMs, answer });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}

/** The last `max` companion digests, oldest forgotten first. */
export class MemoryCompanions implements CompanionStore {
  readonly #digests = new Set<string>();

  constructor(readonly max = 10_000) {}

  remember(digest: string): void {
    this.#digests.delete(digest);
    this.#digests.add(digest);
    if (this.#digests.size > this.max) this.#digests.delete(this.#digests.values().next().value!);
  }

  known(digests: readonly string[]): ReadonlySet<string> {
    return new Set(digests.filter((d) => this.#digests.has(d)));
  }
}

const WINDOW_MS = 60_000;

/** One caller's windows, slots and spend. */
class Account {
  /** Request times in the window, oldest first (from `head`). */
  requests: number[] = [];
  head = 0;
  /** [time, tokens] charged in the window, oldest first (from `tokenHead`). */
  tokens: [number, number][] = [];
  tokenHead = 0;
  tokenSum = 0;
  inFlight = 0;
  period = 0;
  spend = 0;

  /** Lets go of what left the window; compacts now and then rather than shifting every time. */
  prune(now: number): void {
    const since = now - WINDOW_MS;
    while (this.head < this.requests.length && this.requests[this.head] <= since) this.head++;
    while (this.tokenHead < this.tokens.length && this.tokens[this.tokenHead][0] <= since) {
      this.tokenSum -= this.tokens[this.tokenHead++][1];
    }
    if (this.head > 1024 && this.head * 2 > this.requests.length) {
      this.requests = this.requests.slice(this.head);
      this.head = 0;
    }
    if (this.tokenHead > 1024 && this.tokenHead * 2 > this.tokens.length) {
      this.tokens = this.tokens.slice(this.tokenHead);
      this.tokenHead = 0;
    }
  }

  spent(periodStart: number): number {
    if (this.period !== periodStart) {
      this.period = periodStart;
      this.spend = 0;
    }
    return this.spend;
  }

  usage(now: number, periodStart: number): Usage {
    const oldest = this.requests[this.head];
    const oldestTokens = this.tokens[this.tokenHead]?.[0];
    return {
      requests: this.requests.length - this.head,
      tokens: this.tokenSum,
      inFlight: this.inFlight,
      spendUsd: this.spent(periodStart),
      requestsResetMs: oldest === undefined ? 0 : oldest + WINDOW_MS - now,
      tokensResetMs: oldestTokens === undefined ? 0 : oldestTokens + WINDOW_MS - now,
    };
  }

  /** Until the window's tokens fall under `tpm`: the oldest leave first. */
  tokensFreeIn(tpm: number, now: number): number {
    let left = this.tokenSum;
    for (let i = this.tokenHead; i < this.tokens.length; i++) {
      left -= this.tokens[i][1];
      if (left < tpm) return this.tokens[i][0] + WINDOW_MS - now;
    }
    return WINDOW_MS;
  }
}

/** Limits in this process's memory: exact for one process; spend is lost on restart. */
export class MemoryLimits implements LimitStore {
  readonly #accounts = new Map<string, Account>();

  #account(id: string): Account {
    let a = this.#accounts.get(id);
    if (!a) this.#accounts.set(id, a = new Account());
    return a;
  }

  admit(id: string, limits: Limits, now: number, periodStart: number, slot: boolean): Verdict {
    const a = this.#account(id);
    a.prune(now);
    if (limits.budgetUsd !== undefined && a.spent(periodStart) >= limits.budgetUsd) {
      return { admitted: false, limit: "budget", retryAfterMs: 0 };
    }
    if (limits.rpm !== undefined && a.requests.length - a.head >= limits.rpm) {
      return { admitted: false, limit: "rpm", retryAfterMs: a.requests[a.head] + WINDOW_MS - now };
    }
    if (limits.tpm !== undefined && a.tokenSum >= limits.tpm) {
      return { admitted: false, limit: "tpm", retryAfterMs: a.tokensFreeIn(limits.tpm, now) };
    }
    if (limits.maxParallel !== undefined && a.inFlight >= limits.maxParallel) {
      return { admitted: false, limit: "max_parallel", retryAfterMs: 1000 };
    }
    a.requests.push(now);
    if (slot) a.inFlight++;
    return { admitted: true, usage: a.usage(now, periodStart), slot: slot ? id : undefined };
  }

  release(id: string, _slot: string): void {
    const a = this.#accounts.get(id);
    if (a && a.inFlight > 0) a.inFlight--;
  }

  charge(id: string, tokens: number, usd: number, now: number, periodStart: number): void {
    const a = this.#account(id);
    a.prune(now);
    if (tokens > 0) {
      a.tokens.push([now, tokens]);
      a.tokenSum += tokens;
    }
    a.spend = a.spent(periodStart) + usd;
  }

  usage(id: string, now: number, periodStart: number): Usage {
    const a = this.#account(id);
    a.prune(now);
    return a.usage(now, periodStart);
  }
}
