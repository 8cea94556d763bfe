/**
 * What the dashboard shows of the traffic (SPEC §15), in fixed memory
 * whatever the traffic: the last 500 requests in a ring, and the last hour
 * in 360 ten-second buckets — counts, tokens, cost and a latency histogram
 * each, so p50 and p99 come out of 64 numbers, not a list of every request.
 * Per deployment, attempts and successes since the start.
 */
import type { Attempt } from "../errors.ts";
import { type CallRecord, serverFailed } from "./record.ts";

const RECENT = 500;
const OWN_ROUTES = /^\/(admin\/|ui|health|metrics|$)/;
export const BUCKET_S = 10;
const BUCKETS = 360;
/** Latency bins: 1 ms × 1.25^i, the last one open-ended (≈ 1.25^63 ms: far past any timeout). */
const BINS = 64;
const GROWTH = Math.log(1.25);

export interface RecentRequest {
  time: number;
  request_id: string;
  key: string | null;
  model: string | null;
  deployment: string | null;
  status: number;
  stream: boolean;
  latency_ms: number;
  ttfb_ms: number | null;
  tokens: number | null;
  cost_usd: number | null;
  error: string | null;
  attempts: Attempt[];
  /** With `log.bodies`. */
  request_body?: string;
  response_body?: string | Promise<string>;
}

class Bucket {
  start = 0;
  requests = 0;
  errors = 0;
  tokens = 0;
  cost = 0;
  readonly latency = new Uint32Array(BINS);

  reset(start: number): void {
    this.start = start;
    this.requests =
      this.errors =
      this.tokens =
      this.cost =
        0;
    this.latency.fill(0);
  }

  /** The latency under which `q` of this bucket's requests finished (a bin's upper edge). */
  quantile(q: number): number | null {
    if (this.requests === 0) return null;
    let left = Math.ceil(q * this.requests);
    for (let i = 0; i < BINS; i++) {
      left -= this.latency[i];
      if (left <= 0) return Math.round(Math.exp(GROWTH * (i + 1)) * 10) / 10;
    }
    return null;
  }
}

/** A ring slot, written over in place: a request costs the ring no allocation of its own. */
interface Slot {
  used: boolean;
  record: Omit<RecentRequest, "deployment"> & { provider: string | null; upstream: string | null };
}

function emptySlot(): Slot {
  return {
    used: false,
    record: {
      time: 0,
      request_id: "",
      key: null,
      model: null,
      provider: null,
      upstream: null,
      status: 0,
      stream: false,
      latency_ms: 0,
      ttfb_ms: null,
      tokens: null,
      cost_usd: null,
      error: null,
      attempts: [],
      request_body: undefined,
      response_body: undefined,
    },
  };
}

export class Dashboard {
  readonly #recent: Slot[] = Array.from({ length: RECENT }, emptySlot);
  #next = 0;
  readonly #buckets = Array.from({ length: BUCKETS }, () => new Bucket());
  /** Attempts and successes per deployment (`provider/model`), since the start. */
  readonly #attempts = new Map<string, { tries: number; ok: number }>();

  constructor(readonly now: () => number = Date.now) {}

  add(r: CallRecord): void {
    // The traffic, not the looking at it: the dashboard's own polling, probes and scrapes stay out.
    if (OWN_ROUTES.test(r.route)) return;
    const tokens = r.usage?.total_tokens ?? null;
    const slot = this.#recent[this.#next];
    slot.used = true;
    const e = slot.record;
    e.time = r.started;
    e.request_id = r.request_id;
    e.key = r.key ?? null;
    e.model = r.model;
    e.provider = r.provider;
    e.upstream = r.upstream_model;
    e.status = r.status;
    e.stream = r.stream;
    e.latency_ms = r.latency_ms;
    e.ttfb_ms = r.ttfb_ms;
    e.tokens = tokens;
    e.cost_usd = r.cost_usd ?? null;
    e.error = r.error;
    e.attempts = r.attempts;
    e.request_body = r.request_body;
    e.response_body = r.response_body;
    this.#next = (this.#next + 1) % RECENT;
    const b = this.#bucket(this.now());
    b.requests++;
    if (serverFailed(r)) b.errors++;
    b.tokens += tokens ?? 0;
    b.cost += r.cost_usd ?? 0;
    const bin = r.latency_ms <= 1
      ? 0
      : Math.min(BINS - 1, Math.floor(Math.log(r.latency_ms) / GROWTH));
    b.latency[bin]++;
    for (const a of r.attempts) {
      const id = `${a.provider}/${a.model}`;
      let c = this.#attempts.get(id);
      if (!c) this.#attempts.set(id, c = { tries: 0, ok: 0 });
      c.tries++;
      if (a.status !== null && a.status < 400) c.ok++;
    }
  }

  /** The bucket of `at`, emptied first when it last held an older period. */
  #bucket(at: number): Bucket {
    const start = Math.floor(at / 1000 / BUCKET_S) * BUCKET_S;
    const b = this.#buckets[(start / BUCKET_S) % BUCKETS];
    if (b.start !== start) b.reset(start);
    return b;
  }

  /** The newest first. */
  recent(): RecentRequest[] {
    const out: RecentRequest[] = [];
    for (let i = 1; i <= RECENT; i++) {
      const slot = this.#recent[(this.#next - i + RECENT) % RECENT];
      if (slot.used) out.push(shown(slot));
    }
    return out;
  }

  find(requestId: string): RecentRequest | undefined {
    const slot = this.#recent.find((s) => s.used && s.record.request_id === requestId);
    return slot && shown(slot);
  }

  /** The last hour, oldest first, one entry per bucket (empty ones included). */
  series() {
    const newest = Math.floor(this.now() / 1000 / BUCKET_S) * BUCKET_S;
    return Array.from({ length: BUCKETS }, (_, i) => {
      const start = newest - (BUCKETS - 1 - i) * BUCKET_S;
      const b = this.#buckets[(start / BUCKET_S) % BUCKETS];
      const held = b.start === start;
      return {
        t: start,
        requests: held ? b.requests : 0,
        errors: held ? b.errors : 0,
        tokens: held ? b.tokens : 0,
        cost_usd: held ? b.cost : 0,
        p50_ms: held ? b.quantile(0.5) : null,
        p99_ms: held ? b.quantile(0.99) : null,
      };
    });
  }

  /** A deployment's share of tries that answered (null before its first). */
  successRate(deployment: string): { tries: number; success_rate: number | null } {
    const c = this.#attempts.get(deployment);
    return { tries: c?.tries ?? 0, success_rate: c ? c.ok / c.tries : null };
  }
}

/** A slot as the endpoints show it (a copy: the slot is written over later). */
function shown({ record }: Slot): RecentRequest {
  const { provider, upstream, ...rest } = record;
  return {
    ...rest,
    deployment: provider && upstream ? `${provider}/${upstream}` : provider,
  };
}
