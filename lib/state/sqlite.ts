/**
 * `state.url: sqlite:PATH` (SPEC §12): one instance whose spend, cooldowns,
 * sent companions and cached answers survive a restart. Everything is
 * answered from this process's memory — it is the only one — and written
 * through to a SQLite file (Deno's built-in `node:sqlite`, WAL journal),
 * read back when the file is opened. Rate windows and slots stay in memory:
 * they are a minute's worth and start again empty.
 */
import { decodeAnswer, encodeAnswer } from "./answer_text.ts";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { MemoryAnswers, MemoryCompanions, MemoryCooldowns, MemoryLimits } from "./memory.ts";
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

const SCHEMA = `
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  CREATE TABLE IF NOT EXISTS spend (id TEXT NOT NULL, period INTEGER NOT NULL, usd REAL NOT NULL,
    PRIMARY KEY (id, period));
  CREATE TABLE IF NOT EXISTS cooldowns (id TEXT PRIMARY KEY, until INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS companions (digest TEXT PRIMARY KEY, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, expires INTEGER NOT NULL, answer TEXT NOT NULL);
`;

export class SqliteState {
  readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }
}

/** Windows and slots in memory; each id's spend for a period read from the file once, then written through. */
export class SqliteLimits implements LimitStore {
  readonly #memory = new MemoryLimits();
  /** Ids whose spend for a period is in memory already. */
  readonly #loaded = new Set<string>();
  readonly #read: StatementSync;
  readonly #add: StatementSync;

  constructor(state: SqliteState) {
    this.#read = state.db.prepare("SELECT usd FROM spend WHERE id = ? AND period = ?");
    this.#add = state.db.prepare(
      "INSERT INTO spend (id, period, usd) VALUES (?, ?, ?) ON CONFLICT (id, period) DO UPDATE SET usd = usd + excluded.usd",
    );
  }

  /** Brings `id`'s spend for `period` from the file into memory, the first time it is asked for. */
  #load(id: string, now: number, period: number): void {
    const at = `${id}@${period}`;
    if (this.#loaded.has(at)) return;
    this.#loaded.add(at);
    const row = this.#read.get(id, period) as { usd: number } | undefined;
    if (row) this.#memory.charge(id, 0, row.usd, now, period);
  }

  admit(id: string, limits: Limits, now: number, period: number, slot: boolean): Verdict {
    if (limits.budgetUsd !== undefined) this.#load(id, now, period);
    return this.#memory.admit(id, limits, now, period, slot);
  }

  release(id: string, slot: string): void {
    this.#memory.release(id, slot);
  }

  charge(id: string, tokens: number, usd: number, now: number, period: number): void {
    this.#load(id, now, period);
    this.#memory.charge(id, tokens, usd, now, period);
    if (usd) this.#add.run(id, period, usd);
  }

  usage(id: string, now: number, period: number): Usage {
    this.#load(id, now, period);
    return this.#memory.usage(id, now, period);
  }
}

export class SqliteCooldowns implements CooldownStore {
  readonly #memory: MemoryCooldowns;
  readonly #set: StatementSync;
  readonly #clear: StatementSync;

  constructor(state: SqliteState, readonly now: () => number = Date.now) {
    this.#memory = new MemoryCooldowns(now);
    this.#set = state.db.prepare(
      "INSERT INTO cooldowns (id, until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET until = excluded.until",
    );
    this.#clear = state.db.prepare("DELETE FROM cooldowns WHERE id = ?");
    const rows = state.db.prepare("SELECT id, until FROM cooldowns WHERE until > ?").all(now());
    for (const { id, until } of rows as { id: string; until: number }[]) {
      this.#memory.start(id, until - now());
    }
  }

  cooling(ids: readonly string[]): ReadonlySet<string> {
    return this.#memory.cooling(ids);
  }

  start(id: string, ms: number): void {
    this.#memory.start(id, ms);
    this.#set.run(id, this.now() + ms);
  }

  clear(id: string): void {
    this.#memory.clear(id);
    this.#clear.run(id);
  }

  active(): Cooling[] {
    return this.#memory.active();
  }
}

export class SqliteCompanions implements CompanionStore {
  readonly #memory: MemoryCompanions;
  readonly #add: StatementSync;
  readonly #trim: StatementSync;

  constructor(state: SqliteState, readonly max = 10_000) {
    this.#memory = new MemoryCompanions(max);
    const rows = state.db.prepare("SELECT digest FROM companions ORDER BY at DESC LIMIT ?").all(
      max,
    );
    for (const { digest } of (rows as { digest: string }[]).reverse()) {
      this.#memory.remember(digest);
    }
    this.#add = state.db.prepare(
      "INSERT INTO companions (digest, at) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET at = excluded.at",
    );
    this.#trim = state.db.prepare(
      "DELETE FROM companions WHERE digest NOT IN (SELECT digest FROM companions ORDER BY at DESC LIMIT ?)",
    );
  }

  #added = 0;

  remember(digest: string): void {
    this.#memory.remember(digest);
    this.#add.run(digest, Date.now());
    // Trimmed now and then, not on every write.
    if (++this.#added % 1000 === 0) this.#trim.run(this.max);
  }

  known(digests: readonly string[]): ReadonlySet<string> {
    return this.#memory.known(digests);
  }
}

export class SqliteAnswers implements AnswerStore {
  readonly #memory: MemoryAnswers;
  readonly #put: StatementSync;
  readonly #drop: StatementSync;
  #written = 0;

  constructor(state: SqliteState, readonly ttlMs: number, maxEntries: number) {
    this.#memory = new MemoryAnswers(ttlMs, maxEntries);
    this.#drop = state.db.prepare("DELETE FROM answers WHERE expires <= ?");
    this.#drop.run(Date.now());
    const rows = state.db.prepare("SELECT key, expires, answer FROM answers ORDER BY expires")
      .all() as { key: string; expires: number; answer: string }[];
    for (const row of rows.slice(-maxEntries)) {
      this.#memory.set(row.key, decodeAnswer(row.answer), row.expires - Date.now());
    }
    this.#put = state.db.prepare(
      "INSERT INTO answers (key, expires, answer) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires = excluded.expires, answer = excluded.answer",
    );
  }

  get(key: string): CachedAnswer | undefined {
    return this.#memory.get(key);
  }

  set(key: string, answer: CachedAnswer): void {
    this.#memory.set(key, answer);
    const now = Date.now();
    this.#put.run(key, now + this.ttlMs, encodeAnswer(answer));
    // Expired rows go now and then, not on every write (the table is scanned).
    if (++this.#written % 100 === 0) this.#drop.run(now);
  }
}
