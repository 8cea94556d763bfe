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
import { TICK_MS, watch } from "../watchdog.ts";
import { sleep } from "../sleep.ts";
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

  /**
   * `op`'s answer, or StoreDown on its failure or once `timeout_ms` has passed (checked on the
   * shared ticker, so a deadline costs no timer of its own and fires within `timeout_ms`).
   */
  run<T>(op: () => Awaitable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = Date.now() + Math.max(0, this.#timeoutMs - TICK_MS);
      let settled = false;
      const fail = (err: unknown) => {
        settled = true;
        stop();
        this.options.onError(err);
        reject(
          err instanceof StoreDown ? err : new StoreDown((err as Error)?.message ?? String(err)),
        );
      };
      const stop = watch((now) => {
        if (!settled && now >= deadline) {
          fail(new StoreDown(`no answer within ${this.#timeoutMs} ms`));
        }
      });
      Promise.resolve().then(op).then((value) => {
        if (settled) return;
        settled = true;
        stop();
        resolve(value);
      }, (err) => settled || fail(err));
    });
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
const stateUnavailable = () =>
  new ProxyError(
    503,
    "the state store holding this key's limits is unavailable (state.on_error: closed)",
    "state_unavailable",
  );

const limited = (l: Limits) =>
  l.rpm !== undefined || l.tpm !== undefined || l.maxParallel !== undefined ||
  l.budgetUsd !== undefined;

/** A charge as written to the store: its id makes a second write of it a no-op. */
type Charge = [
  id: string,
  tokens: number,
  usd: number,
  now: number,
  period: number,
  chargeId: string,
];

/**
 * One charge per caller and period for what came in since the last write, at
 * the latest moment among them (tokens enter the window up to WRITE_EVERY_MS
 * late), each with the id that makes writing it again harmless.
 */
function merged(fresh: [string, number, number, number, number][]): Charge[] {
  const by = new Map<string, Charge>();
  for (const [id, tokens, usd, now, period] of fresh) {
    const at = `${id}\n${period}`;
    const c = by.get(at);
    if (!c) by.set(at, [id, tokens, usd, now, period, crypto.randomUUID()]);
    else {
      c[1] += tokens;
      c[2] += usd;
      c[3] = Math.max(c[3], now);
    }
  }
  return [...by.values()];
}

/** How often charges and given-back slots are written, together (one write to the socket). */
const WRITE_EVERY_MS = 10;
/** How often, while the store is down, writing is tried again. */
const RETRY_EVERY_MS = 1000;

/**
 * Limits on a shared store, with what happens after an answer — charges and
 * slots given back — written behind: gathered, then sent together every
 * `WRITE_EVERY_MS`, so a request costs the store one round trip (admission)
 * and its writes cost almost nothing each. A charge that could not be
 * written stays queued, in order, and is tried again until the store takes it.
 */
export class GuardedLimits implements LimitStore {
  readonly #local = new MemoryLimits();
  /** Slots taken in this process's memory while the store was down. */
  readonly #localSlots = new Set<string>();
  /** Charges made since the last write, as they came. */
  #fresh: [string, number, number, number, number][] = [];
  /** Charges that did not land, one per caller and period, oldest first: tried again as they are. */
  #charges: Charge[] = [];
  #releases: [string, string][] = [];
  #writing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #down = false;

  constructor(readonly store: LimitStore, readonly guard: Guard) {}

  async admit(
    id: string,
    limits: Limits,
    now: number,
    period: number,
    slot: boolean,
  ): Promise<Verdict> {
    const asked = Promise.resolve(this.store.admit(id, limits, now, period, slot));
    try {
      return await this.guard.run(() => asked);
    } catch {
      // Answered here after all: a slot the store grants later is nobody's, and goes back.
      asked.then((late) => {
        if (late.admitted && late.slot) return this.store.release(id, late.slot);
      }).catch(() => {});
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

  release(id: string, slot: string): void {
    if (this.#localSlots.delete(slot)) return this.#local.release(id, slot);
    // A slot the store holds and cannot be told of lapses with its lease.
    this.#releases.push([id, slot]);
    this.#schedule();
  }

  charge(id: string, tokens: number, usd: number, now: number, period: number): void {
    // Counted here too: while the store is down, this process's view is what admits.
    this.#local.charge(id, tokens, usd, now, period);
    this.#fresh.push([id, tokens, usd, now, period]);
    this.#schedule();
  }

  usage(id: string, now: number, period: number): Promise<Usage> {
    return this.guard.or(
      () => this.store.usage(id, now, period),
      () => this.#local.usage(id, now, period),
    );
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#writing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#write().finally(() => {
        this.#writing = undefined;
        if (this.pending > 0 || this.#releases.length > 0) this.#schedule();
      });
    }, this.#down ? RETRY_EVERY_MS : WRITE_EVERY_MS);
  }

  /** Sends every queued write at once; keeps the charges that did not land, in order. */
  async #write(): Promise<void> {
    const charges = [...this.#charges, ...merged(this.#fresh)];
    const releases = this.#releases;
    this.#fresh = [];
    this.#charges = [];
    this.#releases = [];
    const written = await this.guard.run(() =>
      Promise.allSettled([
        ...charges.map((c) => this.store.charge(...c)),
        ...releases.map(([id, slot]) => this.store.release(id, slot)),
      ])
    ).catch(() => null);
    const failed = charges.filter((_, i) => written?.[i].status !== "fulfilled");
    const refused = written?.find((w) => w.status === "rejected");
    if (refused) this.guard.options.onError(refused.reason);
    this.#down = failed.length > 0;
    if (failed.length > 0) this.#charges = [...failed, ...this.#charges];
  }

  /** Every queued charge written (or the store still down after `ms`). */
  async drain(ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (this.pending > 0 && Date.now() < until) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      // One write at a time, even now: a charge arriving meanwhile waits for the next.
      this.#writing ??= this.#write().finally(() => this.#writing = undefined);
      await this.#writing;
      if (this.pending > 0) await sleep(100);
    }
  }

  /** How many charges wait to be written. */
  get pending(): number {
    return this.#charges.length + this.#fresh.length;
  }

  close(): void {
    clearTimeout(this.#timer);
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
