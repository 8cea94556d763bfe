/**
 * What the routing strategies go by (SPEC §11), per deployment: requests in
 * flight (until their answer ends, across every model that uses the
 * deployment) and an exponentially weighted time to first byte — this
 * process's, plus what the other instances on a shared store last said.
 */
import type { RouteStats, SharedRouteStats } from "../state/types.ts";

/** Weight of the newest time to first byte in the average. */
const ALPHA = 0.3;

export class DeploymentStats implements SharedRouteStats {
  readonly #inFlight = new Map<string, number>();
  readonly #ttfb = new Map<string, number>();
  #peers: RouteStats = new Map();

  /** A request starts at `id`; the function returned ends it (once). */
  begin(id: string): () => void {
    this.#inFlight.set(id, (this.#inFlight.get(id) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight.set(id, this.#inFlight.get(id)! - 1);
    };
  }

  inFlight(id: string): number {
    return (this.#inFlight.get(id) ?? 0) + (this.#peers.get(id)?.inFlight ?? 0);
  }

  /** One answer's time to first byte (a JSON answer's: until it was whole). */
  sawFirstByte(id: string, ms: number): void {
    const before = this.#ttfb.get(id);
    this.#ttfb.set(id, before === undefined ? ms : before + ALPHA * (ms - before));
  }

  /** The average time to first byte; undefined for a deployment not heard from yet. */
  latency(id: string): number | undefined {
    const here = this.#ttfb.get(id);
    const there = this.#peers.get(id)?.latencyMs;
    return here === undefined ? there : there === undefined ? here : (here + there) / 2;
  }

  own(): RouteStats {
    const out: RouteStats = new Map();
    for (const [id, n] of this.#inFlight) out.set(id, { inFlight: n });
    for (const [id, ms] of this.#ttfb) {
      out.set(id, { inFlight: out.get(id)?.inFlight ?? 0, latencyMs: ms });
    }
    return out;
  }

  peers(view: RouteStats): void {
    this.#peers = view;
  }
}
