/** The state stores in this process's memory: fast, and gone with the process. */
import type { AnswerStore, CachedAnswer, CompanionStore, CooldownStore, Cooling } from "./types.ts";

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

  set(key: string, answer: CachedAnswer): void {
    this.#entries.delete(key);
    this.#entries.set(key, { expires: Date.now() + this.ttlMs, answer });
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
