/**
 * A shared store that may be down or slow (SPEC §12), made safe to lean on:
 * every operation gets `timeout_ms`, after which the store counts as down
 * for it. Then, with `on_error: open`, this process's own memory answers
 * (limits counted here, the cache a miss); with
 * `closed`, a key with limits is refused (503) while everything else is
 * still served. Charges that could not be written are kept and written once
 * the store answers again, with no traffic needed. Errors are counted and
 * logged at most once a minute. Never a crash, never a hang.
 */
import { ProxyError } from "../errors.ts";
import { MemoryAnswers, MemoryCompanions, MemoryLimits } from "./memory.ts";
import type {
  AnswerStore,
  Awaitable,
  CachedAnswer,
  CompanionStore,
  Limits,
  LimitStore,
  Usage,
  Verdict,
} from "./types.ts";

export interface GuardOptions {
  timeoutMs: number;
  mode: "open" | "closed";
  /** Told each failed operation (metric `switchyard_state_errors_total`). */
  onError: (err: unknown) => void;
}

/** The store did not answer in time, or failed. */
class StoreDown extends Error {}

/** Runs store operations within a deadline, counting what fails. */
export class Guard {
  readonly #timeoutMs: number;

  constructor(readonly options: GuardOptions) {
    this.#timeoutMs = options.timeoutMs;
  }

  /** `op`'s answer, or StoreDown after the deadline or on its failure. */
  async run<T>(op: () => Awaitable<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreDown(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([op(), late]);
    } catch (err) {
      this.options.onError(err);
      throw err instanceof StoreDown ? err : new StoreDown((err as Error)?.message ?? String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  /** `op`'s answer, or `fallback`'s when the store is down. */
  async or<T>(op: () => Awaitable<T>, fallback: () => Awaitable<T>): Promise<T> {
    try {
      return await this.run(op);
    } catch {
      return await fallback();
    }
  }
}

/** 503 for a key with limits while the store is down and `on_error` is `closed`. */
export const stateUnavailable = () =>
  new ProxyError(
    503,
    "the state store holding this key's limits is unavailable (state.on_error: closed)",
    "state_unavailable",
  );

const limited = (l: Limits) =>
  l.rpm !== undefined || l.tpm !== undefined || l.maxParallel !== undefined ||
  l.budgetUsd !== undefined;

export class GuardedLimits implements LimitStore {
  readonly #local = new MemoryLimits();
  /** Slots taken in this process's memory while the store was down. */
  readonly #localSlots = new Set<string>();
  /** Charges not written yet, oldest first. */
  readonly #pending: [string, number, number, number, number, string][] = [];
  #flushing = false;
  readonly #flusher: ReturnType<typeof setInterval>;

  constructor(readonly store: LimitStore, readonly guard: Guard) {
    this.#flusher = setInterval(() => this.#flush(), 1000);
    Deno.unrefTimer(this.#flusher as unknown as number);
  }

  async admit(
    id: string,
    limits: Limits,
    now: number,
    period: number,
    slot: boolean,
  ): Promise<Verdict> {
    try {
      return await this.guard.run(() => this.store.admit(id, limits, now, period, slot));
    } catch {
      // A key's limits are held shut when asked; a deployment's are then this process's view,
      // and so is a key without limits.
      if (this.guard.options.mode === "closed" && id.startsWith("key:") && limited(limits)) {
        throw stateUnavailable();
      }
      const verdict = this.#local.admit(id, limits, now, period, slot);
      if (verdict.admitted && verdict.slot) {
        const local = `local:${crypto.randomUUID()}`;
        this.#localSlots.add(local);
        return { ...verdict, slot: local };
      }
      return verdict;
    }
  }

  async release(id: string, slot: string): Promise<void> {
    if (this.#localSlots.delete(slot)) return this.#local.release(id, slot);
    // A slot the store holds and cannot be told of now lapses with its lease.
    await this.guard.run(() => this.store.release(id, slot)).catch(() => {});
  }

  async charge(
    id: string,
    tokens: number,
    usd: number,
    now: number,
    period: number,
  ): Promise<void> {
    // Counted here too: while the store is down, this process's view is what admits.
    this.#local.charge(id, tokens, usd, now, period);
    // One id for every try: a charge that timed out but landed is not charged again.
    const charge: [string, number, number, number, number, string] = [
      id,
      tokens,
      usd,
      now,
      period,
      crypto.randomUUID(),
    ];
    if (this.#pending.length > 0) return void this.#pending.push(charge);
    try {
      await this.guard.run(() => this.store.charge(...charge));
    } catch {
      this.#pending.push(charge);
    }
  }

  usage(id: string, now: number, period: number): Promise<Usage> {
    return this.guard.or(
      () => this.store.usage(id, now, period),
      () => this.#local.usage(id, now, period),
    );
  }

  /** Writes what was kept back, in order, as soon as the store takes it. */
  async #flush(): Promise<void> {
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const charge = this.#pending[0];
        await this.guard.run(() => this.store.charge(...charge));
        this.#pending.shift();
      }
    } catch {
      // Still down: the next tick tries again.
    } finally {
      this.#flushing = false;
    }
  }

  /** Every kept charge written (or the store still down after `ms`). */
  async drain(ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (this.#pending.length > 0 && Date.now() < until) {
      await this.#flush();
      if (this.#pending.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** How many charges wait for the store. */
  get pending(): number {
    return this.#pending.length;
  }

  close(): void {
    clearInterval(this.#flusher);
  }
}

export class GuardedCompanions implements CompanionStore {
  readonly #local = new MemoryCompanions();

  constructor(readonly store: CompanionStore, readonly guard: Guard) {}

  async remember(digest: string): Promise<void> {
    this.#local.remember(digest);
    await this.guard.run(() => this.store.remember(digest)).catch(() => {});
  }

  async known(digests: readonly string[]): Promise<ReadonlySet<string>> {
    const here = this.#local.known(digests);
    if (here.size === digests.length) return here;
    const shared = await this.guard.or(() => this.store.known(digests), () => here);
    return new Set([...here, ...shared]);
  }
}

export class GuardedAnswers implements AnswerStore {
  readonly #local: MemoryAnswers;

  constructor(readonly store: AnswerStore, readonly guard: Guard, ttlMs: number, max: number) {
    this.#local = new MemoryAnswers(ttlMs, max);
  }

  get(key: string): Promise<CachedAnswer | undefined> {
    return this.guard.or(() => this.store.get(key), () => this.#local.get(key));
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    this.#local.set(key, answer);
    await this.guard.run(() => this.store.set(key, answer)).catch(() => {});
  }
}
