/**
 * What the routing strategies go by (SPEC §11), per deployment, in this
 * process: requests in flight (until their answer ends, across every model
 * that uses the deployment) and an exponentially weighted time to first byte.
 */

/** Weight of the newest time to first byte in the average. */
const ALPHA = 0.3;

export class DeploymentStats {
  readonly #inFlight = new Map<string, number>();
  readonly #ttfb = new Map<string, number>();

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
    return this.#inFlight.get(id) ?? 0;
  }

  /** One answer's time to first byte (a JSON answer's: until it was whole). */
  sawFirstByte(id: string, ms: number): void {
    const before = this.#ttfb.get(id);
    this.#ttfb.set(id, before === undefined ? ms : before + ALPHA * (ms - before));
  }

  /** The average time to first byte; undefined for a deployment not heard from yet. */
  latency(id: string): number | undefined {
    return this.#ttfb.get(id);
  }
}
