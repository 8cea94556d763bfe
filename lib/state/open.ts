/**
 * The state stores a config asks for (SPEC §12), behind the interfaces of
 * `types.ts`: this process's memory, a SQLite file, or Redis shared by every
 * instance on the same URL and prefix.
 */
import type { StateConfig } from "../config/schema.ts";
import { MemoryAnswers, MemoryCompanions, MemoryCooldowns, MemoryLimits } from "./memory.ts";
import {
  SqliteAnswers,
  SqliteCompanions,
  SqliteCooldowns,
  SqliteLimits,
  SqliteState,
} from "./sqlite.ts";
import type { AnswerStore, CompanionStore, CooldownStore, LimitStore } from "./types.ts";

export interface State {
  cooldowns: CooldownStore;
  limits: LimitStore;
  companions: CompanionStore;
  /** The answer cache kept in this store (`cache.store: state`). */
  answers(ttlMs: number, maxEntries: number): AnswerStore;
  /** True when every instance on the same URL and prefix shares it. */
  shared: boolean;
  close(): Promise<void>;
}

export function openState(config: StateConfig, clock: () => number): State {
  if (config.url.startsWith("sqlite:")) {
    const file = new SqliteState(config.url.slice("sqlite:".length));
    return {
      cooldowns: new SqliteCooldowns(file, clock),
      limits: new SqliteLimits(file),
      companions: new SqliteCompanions(file),
      answers: (ttlMs, max) => new SqliteAnswers(file, ttlMs, max),
      shared: false,
      close: () => Promise.resolve(file.close()),
    };
  }
  return {
    cooldowns: new MemoryCooldowns(clock),
    limits: new MemoryLimits(),
    companions: new MemoryCompanions(),
    answers: (ttlMs, max) => new MemoryAnswers(ttlMs, max),
    shared: false,
    close: () => Promise.resolve(),
  };
}
