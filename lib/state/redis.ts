/**
 * `state.url: redis://…` (SPEC §12): state every instance and worker on the
 * same URL and prefix shares. Admission is one Lua script — check every
 * limit and count the request together — so no two instances take the last
 * place; a charge is one script too (idempotent, so a retry never charges
 * twice); a slot is a lease that its holder renews, and one held by an
 * instance that died lapses within 60 s. Keys of one account share a hash
 * tag, so a cluster keeps them together.
 */
import type {
  AnswerStore,
  CachedAnswer,
  CompanionStore,
  CooldownStore,
  Cooling,
  LimitName,
  Limits,
  LimitStore,
  RouteStats,
  SharedRouteStats,
  Usage,
  Verdict,
} from "./types.ts";
import type { Guard } from "./guard.ts";
import { MemoryCooldowns } from "./memory.ts";
import { decodeAnswer, encodeAnswer } from "./answer_text.ts";

/** The one thing the stores need of a Redis connection: a command, sent. */
export interface RedisCommands {
  send(args: (string | number)[]): Promise<unknown>;
}

const WINDOW_MS = 60_000;
/** How long a day's, week's or month's spend is kept after its last charge. */
const SPEND_TTL_MS = 40 * 86_400_000;
/** How often each instance pulls the shared cooldowns. */
const SYNC_MS = 250;
/** A slot's lease; renewed every third of it while its request is in flight. */
const LEASE_MS = 60_000;

/**
 * What has left the window since `since`: requests, and tokens (their sum
 * lowered by what left). KEYS[1..3] as in ADMIT; `since` set before.
 */
const PRUNE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', since)
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', since)
if #gone > 0 then
  local n = 0
  for _, m in ipairs(gone) do n = n + tonumber(string.match(m, ':(%d+)$')) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', since)
  redis.call('DECRBY', KEYS[3], n)
end`;

/**
 * KEYS: requests (zset), tokens (zset of "id:n"), token sum, slots (zset of
 * leases), spend. ARGV: now, rpm, tpm, max_parallel, budget (-1: none),
 * this request's id, take a slot (1/0), window, lease.
 */
const ADMIT = `
local now, rpm, tpm, max, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local window, lease = tonumber(ARGV[8]), tonumber(ARGV[9])
local since = now - window
local spent = tonumber(redis.call('GET', KEYS[5]) or '0')
if budget >= 0 and spent >= budget then return {0, 'budget', 0} end
${PRUNE}
local count = redis.call('ZCARD', KEYS[1])
if rpm >= 0 and count >= rpm then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, 'rpm', tonumber(oldest[2]) + window - now}
end
local tokens = tonumber(redis.call('GET', KEYS[3]) or '0')
if tpm >= 0 and tokens >= tpm then
  local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  local left = tokens
  for i = 1, #all, 2 do
    left = left - tonumber(string.match(all[i], ':(%d+)$'))
    if left < tpm then return {0, 'tpm', tonumber(all[i + 1]) + window - now} end
  end
  return {0, 'tpm', window}
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[4])
if max >= 0 and inflight >= max then return {0, 'max_parallel', 1000} end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], window)
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[4], now + lease, ARGV[6])
  redis.call('PEXPIRE', KEYS[4], lease)
  inflight = inflight + 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldestTokens = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {1, count + 1, tokens, inflight, tostring(spent), tonumber(oldest[2]) or 0, tonumber(oldestTokens[2]) or 0}
`;

/**
 * KEYS: tokens, token sum, spend, done-marker. ARGV: now, tokens, usd, the
 * charge's id, window, spend's time to live (0: none). Once per charge id.
 */
const CHARGE = `
if redis.call('SET', KEYS[4], '1', 'NX', 'PX', 600000) == false then return 0 end
local now, tokens, usd, window, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
if tokens > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. tokens)
  redis.call('INCRBY', KEYS[2], tokens)
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('PEXPIRE', KEYS[2], window)
end
if tonumber(usd) > 0 then
  redis.call('INCRBYFLOAT', KEYS[3], usd)
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
return 1
`;

/** KEYS: requests, tokens, token sum, slots, spend. ARGV: now, window. */
const USAGE = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local since = now - window
${PRUNE}
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldestTokens = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0'), redis.call('ZCARD', KEYS[4]),
  redis.call('GET', KEYS[5]) or '0', tonumber(oldest[2]) or 0, tonumber(oldestTokens[2]) or 0}
`;

/** Scripts by their SHA-1, loaded on first use (and again after a Redis restart: NOSCRIPT). */
class Scripts {
  readonly #sha = new Map<string, string>();

  constructor(readonly redis: RedisCommands) {}

  async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    let sha = this.#sha.get(script);
    if (sha === undefined) {
      sha = String(await this.redis.send(["SCRIPT", "LOAD", script]));
      this.#sha.set(script, sha);
    }
    try {
      return await this.redis.send(["EVALSHA", sha, keys.length, ...keys, ...args]);
    } catch (err) {
      if (!/NOSCRIPT/.test(String((err as Error)?.message))) throw err;
      this.#sha.delete(script);
      return await this.redis.send(["EVAL", script, keys.length, ...keys, ...args]);
    }
  }
}

const unique = () => `${Date.now().toString(36)}${crypto.randomUUID().slice(0, 13)}`;

export class RedisLimits implements LimitStore {
  readonly #scripts: Scripts;
  /** Slots this instance holds, renewed while their requests are in flight. */
  readonly #held = new Map<string, string>();
  readonly #renewal: ReturnType<typeof setInterval>;

  constructor(readonly redis: RedisCommands, readonly prefix: string) {
    this.#scripts = new Scripts(redis);
    this.#renewal = setInterval(() => this.#renew(), LEASE_MS / 3);
    Deno.unrefTimer(this.#renewal as unknown as number);
  }

  #keys(id: string, period: number): string[] {
    const at = `${this.prefix}{${id}}`;
    return [
      `${at}:requests`,
      `${at}:tokens`,
      `${at}:token_sum`,
      `${at}:slots`,
      `${at}:spend:${period}`,
    ];
  }

  async admit(
    id: string,
    limits: Limits,
    now: number,
    period: number,
    slot: boolean,
  ): Promise<Verdict> {
    const member = unique();
    // A slot is a lease to renew and a write to give back: taken only where it is a limit.
    slot &&= limits.maxParallel !== undefined;
    const keys = this.#keys(id, period);
    const r = await this.#scripts.run(ADMIT, keys, [
      now,
      limits.rpm ?? -1,
      limits.tpm ?? -1,
      limits.maxParallel ?? -1,
      limits.budgetUsd ?? -1,
      member,
      slot ? 1 : 0,
      WINDOW_MS,
      LEASE_MS,
    ]) as (string | number)[];
    if (Number(r[0]) === 0) {
      return { admitted: false, limit: r[1] as LimitName, retryAfterMs: Number(r[2]) };
    }
    if (slot) this.#held.set(member, keys[3]);
    return {
      admitted: true,
      slot: slot ? member : undefined,
      usage: usageOf(r.slice(1), now),
    };
  }

  async release(id: string, slot: string): Promise<void> {
    this.#held.delete(slot);
    await this.redis.send(["ZREM", this.#keys(id, 0)[3], slot]);
  }

  async charge(
    id: string,
    tokens: number,
    usd: number,
    now: number,
    period: number,
    chargeId = unique(),
  ): Promise<void> {
    const [, tokenKeys, sum, , spend] = this.#keys(id, period);
    await this.#scripts.run(CHARGE, [
      tokenKeys,
      sum,
      spend,
      `${this.prefix}{${id}}:charged:${chargeId}`,
    ], [
      now,
      Math.round(tokens),
      String(usd),
      chargeId,
      WINDOW_MS,
      // A period's spend lapses a while after its last charge (no period is longer than a
      // month); `total` (period 0) is kept.
      period === 0 ? 0 : SPEND_TTL_MS,
    ]);
  }

  async usage(id: string, now: number, period: number): Promise<Usage> {
    const r = await this.#scripts.run(USAGE, this.#keys(id, period), [
      now,
      WINDOW_MS,
    ]) as (string | number)[];
    return usageOf(r, now);
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const until = Date.now() + LEASE_MS;
    const keys = new Set(this.#held.values());
    await Promise.all([
      ...[...this.#held].map(([member, key]) =>
        this.redis.send(["ZADD", key, "XX", until, member]).catch(() => {})
      ),
      // The set itself outlives its leases: it was set to lapse with the last admission's.
      ...[...keys].map((key) => this.redis.send(["PEXPIRE", key, LEASE_MS]).catch(() => {})),
    ]);
  }

  close(): void {
    clearInterval(this.#renewal);
  }
}

/** [requests, tokens, in flight, spend, oldest request, oldest tokens] as usage. */
function usageOf(r: (string | number)[], now: number): Usage {
  const [requests, tokens, inFlight, spend, oldest, oldestTokens] = r.map(Number);
  return {
    requests,
    tokens,
    inFlight,
    spendUsd: spend,
    requestsResetMs: oldest ? oldest + WINDOW_MS - now : 0,
    tokensResetMs: oldestTokens ? oldestTokens + WINDOW_MS - now : 0,
  };
}

/**
 * Cooldowns as one sorted set, each deployment scored by when its rest ends,
 * mirrored here and pulled again every `SYNC_MS`: routing reads the mirror,
 * so picking a deployment costs no round trip, and a cooldown started on any
 * instance is seen by every other within that time.
 */
export class RedisCooldowns implements CooldownStore {
  readonly #key: string;
  readonly #mirror: MemoryCooldowns;
  readonly #sync: ReturnType<typeof setInterval>;

  constructor(
    readonly redis: RedisCommands,
    prefix: string,
    readonly guard: Guard,
    readonly now: () => number = Date.now,
  ) {
    this.#key = `${prefix}cooldowns`;
    this.#mirror = new MemoryCooldowns(now);
    this.#sync = setInterval(() => this.pull().catch(() => {}), SYNC_MS);
    Deno.unrefTimer(this.#sync as unknown as number);
  }

  /** Replaces the mirror with the store's cooldowns (kept as it is while the store is down). */
  async pull(): Promise<void> {
    const now = this.now();
    const flat = await this.guard.run(() =>
      this.redis.send(["ZRANGE", this.#key, now, "+inf", "BYSCORE", "WITHSCORES"])
    ) as string[];
    this.#mirror.replace(
      Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], Number(flat[2 * i + 1])]),
    );
  }

  cooling(ids: readonly string[]): ReadonlySet<string> {
    return this.#mirror.cooling(ids);
  }

  async start(id: string, ms: number): Promise<void> {
    this.#mirror.start(id, ms);
    await this.guard.run(() => this.redis.send(["ZADD", this.#key, "GT", this.now() + ms, id]))
      .catch(() => {});
  }

  async clear(id: string): Promise<void> {
    this.#mirror.clear(id);
    await this.guard.run(() => this.redis.send(["ZREM", this.#key, id])).catch(() => {});
  }

  active(): Cooling[] {
    return this.#mirror.active();
  }

  close(): void {
    clearInterval(this.#sync);
  }
}

/**
 * Routing statistics exchanged every `SYNC_MS`: each instance publishes its
 * own under its id (lapsing when it stops), and takes every other's, in
 * flight added up and latency averaged — off the request's path.
 */
export class RedisRouteStats {
  readonly #id = crypto.randomUUID();
  readonly #registry: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly redis: RedisCommands, readonly prefix: string, readonly guard: Guard) {
    this.#registry = `${prefix}route_stats`;
  }

  /** Starts exchanging `stats` (once: a reload that asks again changes nothing). */
  share(stats: SharedRouteStats): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#exchange(stats).catch(() => {}), SYNC_MS);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  async #exchange(stats: SharedRouteStats): Promise<void> {
    const now = Date.now();
    // An instance that stopped publishing is forgotten after this (a busy one may publish late).
    const lapse = SYNC_MS * 20;
    const own = JSON.stringify([...stats.own()]);
    const [, , , ids] = await this.guard.run(() =>
      Promise.all([
        this.redis.send(["SET", `${this.#registry}:${this.#id}`, own, "PX", lapse]),
        this.redis.send(["ZADD", this.#registry, now, this.#id]),
        this.redis.send(["ZREMRANGEBYSCORE", this.#registry, "-inf", now - lapse]),
        this.redis.send(["ZRANGEBYSCORE", this.#registry, now - lapse, "+inf"]),
      ])
    ) as [unknown, unknown, unknown, string[]];
    const others = ids.filter((id) => id !== this.#id);
    const texts = others.length === 0
      ? []
      : await this.guard.run(() =>
        this.redis.send(["MGET", ...others.map((id) => `${this.#registry}:${id}`)])
      ) as (string | null)[];
    const view: RouteStats = new Map();
    const heard = new Map<string, number>();
    for (const text of texts) {
      if (text === null) continue;
      for (
        const [id, s] of JSON.parse(text) as [string, { inFlight: number; latencyMs?: number }][]
      ) {
        const v = view.get(id) ?? { inFlight: 0 };
        v.inFlight += s.inFlight;
        if (s.latencyMs !== undefined) {
          const n = (heard.get(id) ?? 0) + 1;
          heard.set(id, n);
          v.latencyMs = (v.latencyMs ?? 0) + (s.latencyMs - (v.latencyMs ?? 0)) / n;
        }
        view.set(id, v);
      }
    }
    stats.peers(view);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/** Sent companions as one sorted set by time, the newest `max` kept. */
export class RedisCompanions implements CompanionStore {
  readonly #key: string;

  constructor(readonly redis: RedisCommands, prefix: string, readonly max = 10_000) {
    this.#key = `${prefix}companions`;
  }

  #added = 0;

  async remember(digest: string): Promise<void> {
    await this.redis.send(["ZADD", this.#key, Date.now(), digest]);
    // Trimmed now and then, not a second round trip each time.
    if (++this.#added % 100 === 0) {
      await this.redis.send(["ZREMRANGEBYRANK", this.#key, 0, -this.max - 1]);
    }
  }

  async known(digests: readonly string[]): Promise<ReadonlySet<string>> {
    const at = await this.redis.send(["ZMSCORE", this.#key, ...digests]) as (string | null)[];
    return new Set(digests.filter((_, i) => at[i] !== null));
  }
}

/** Cached answers as strings with their time to live. */
export class RedisAnswers implements AnswerStore {
  constructor(readonly redis: RedisCommands, readonly prefix: string, readonly ttlMs: number) {}

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.redis.send(["GET", `${this.prefix}answer:${key}`]);
    return typeof text === "string" ? decodeAnswer(text) : undefined;
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    await this.redis.send([
      "SET",
      `${this.prefix}answer:${key}`,
      encodeAnswer(answer),
      "PX",
      this.ttlMs,
    ]);
  }
}
