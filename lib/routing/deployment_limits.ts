/**
 * A deployment's own limits (SPEC §11: `rpm`, `tpm` on a deployment), kept
 * in the limit store like a key's, for every caller: routing moves past a
 * deployment at its limit before the provider would answer 429.
 */
import type { Awaitable, LimitStore, Verdict } from "../state/types.ts";
import type { Deployment } from "./resolve.ts";

const accountOf = (id: string) => `deployment:${id}`;

export class DeploymentLimits {
  /** Token limits by deployment id: only these are charged. */
  readonly #tpm = new Set<string>();

  constructor(readonly store: LimitStore, readonly clock: () => number) {}

  /**
   * Counts a try at `d`; null when admitted, else how long until it has room
   * (ms). At once for a deployment without limits (most): no promise a try.
   */
  take(d: Deployment): Awaitable<number | null> {
    if (d.rpm === undefined && d.tpm === undefined) return null;
    if (d.tpm !== undefined) this.#tpm.add(d.id);
    const verdict = this.store.admit(
      accountOf(d.id),
      { rpm: d.rpm, tpm: d.tpm },
      this.clock(),
      0,
      false,
    );
    const room = (v: Verdict) => (v.admitted ? null : v.retryAfterMs);
    return verdict instanceof Promise ? verdict.then(room) : room(verdict);
  }

  /** A finished answer's tokens, for a deployment with a token limit. */
  charge(id: string, tokens: number): Awaitable<void> {
    if (this.#tpm.has(id)) return this.store.charge(accountOf(id), tokens, 0, this.clock(), 0);
  }
}
