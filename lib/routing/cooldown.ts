/**
 * Deployments that keep failing sit out a while (`routing.cooldown`): after
 * `failures` failures in a row, `seconds` of rest; one success resets the
 * count. The count is this process's; the rest itself is kept in a
 * CooldownStore (so a store shared by several instances shares it).
 */
import type { Awaitable, CooldownStore } from "../state/types.ts";

export interface CooldownSettings {
  failures: number;
  seconds: number;
}

export class Cooldowns {
  readonly #streak = new Map<string, number>();

  constructor(readonly settings: CooldownSettings, readonly store: CooldownStore) {}

  failure(id: string): Awaitable<void> {
    const streak = (this.#streak.get(id) ?? 0) + 1;
    if (streak < this.settings.failures) return void this.#streak.set(id, streak);
    this.#streak.delete(id);
    return this.store.start(id, this.settings.seconds * 1000);
  }

  /** A success; `wasCooling` when the deployment was resting: its rest ends now. */
  success(id: string, wasCooling: boolean): Awaitable<void> {
    this.#streak.delete(id);
    if (wasCooling) return this.store.clear(id);
  }
}
