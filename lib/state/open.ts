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
import type {
  AnswerStore,
  CompanionStore,
  CooldownStore,
  LimitStore,
  SharedRouteStats,
} from "./types.ts";
import { Guard, GuardedAnswers, GuardedCompanions, GuardedLimits } from "./guard.ts";
import {
  RedisAnswers,
  RedisCompanions,
  RedisCooldowns,
  RedisLimits,
  RedisRouteStats,
} from "./redis.ts";
import { connectRedis } from "./redis_connection.ts";

export interface State {
  cooldowns: CooldownStore;
  limits: LimitStore;
  companions: CompanionStore;
  /** The answer cache kept in this store (`cache.store: state`). */
  answers(ttlMs: number, maxEntries: number): AnswerStore;
  /** True when every instance on the same URL and prefix shares it. */
  shared: boolean;
  /** Exchanges `stats` with the other instances, on a shared store (else nothing to do). */
  shareRouteStats(stats: SharedRouteStats): void;
  /** Charges not written to the store yet (it was down). */
  pending(): number;
  /** Resolves once the store answers (or after a few seconds: a start never waits on it for long). */
  ready(): Promise<void>;
  /** Writes what is still owed to the store, then lets go of it. */
  close(): Promise<void>;
}

/** How long a start waits for Redis before serving without it (`on_error` decides how). */
const CONNECT_WAIT_MS = 5000;

/** `failed`: told every failed store operation (counted, logged once a minute by the caller). */
export function openState(
  config: StateConfig,
  clock: () => number,
  failed: (err: unknown) => void = () => {},
): State {
  if (/^rediss?:\/\//.test(config.url)) return openRedis(config, clock, failed);
  if (config.url.startsWith("sqlite:")) {
    const file = new SqliteState(config.url.slice("sqlite:".length));
    return {
      cooldowns: new SqliteCooldowns(file, clock),
      limits: new SqliteLimits(file),
      companions: new SqliteCompanions(file),
      answers: (ttlMs, max) => new SqliteAnswers(file, ttlMs, max),
      shared: false,
      shareRouteStats: () => {},
      pending: () => 0,
      ready: () => Promise.resolve(),
      close: () => Promise.resolve(file.close()),
    };
  }
  return {
    cooldowns: new MemoryCooldowns(clock),
    limits: new MemoryLimits(),
    companions: new MemoryCompanions(),
    answers: (ttlMs, max) => new MemoryAnswers(ttlMs, max),
    shared: false,
    shareRouteStats: () => {},
    pending: () => 0,
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function openRedis(
  config: StateConfig,
  clock: () => number,
  failed: (err: unknown) => void,
): State {
  const redis = connectRedis(config.url, failed);
  const guard = new Guard({ timeoutMs: config.timeout_ms, mode: config.on_error, onError: failed });
  const { prefix } = config;
  const store = new RedisLimits(redis, prefix);
  const limits = new GuardedLimits(store, guard);
  const cooldowns = new RedisCooldowns(redis, prefix, guard, clock);
  const routeStats = new RedisRouteStats(redis, prefix, guard);
  return {
    cooldowns,
    limits,
    companions: new GuardedCompanions(new RedisCompanions(redis, prefix), guard),
    answers: (ttlMs, max) =>
      new GuardedAnswers(new RedisAnswers(redis, prefix, ttlMs), guard, ttlMs, max),
    shared: true,
    shareRouteStats: (stats) => routeStats.share(stats),
    pending: () => limits.pending,
    async ready() {
      if (await redis.ready(CONNECT_WAIT_MS)) await cooldowns.pull().catch(() => {});
    },
    async close() {
      await limits.drain();
      limits.close();
      store.close();
      cooldowns.close();
      routeStats.close();
      await redis.close();
    },
  };
}
