/**
 * Deployments that keep failing sit out a while (`routing.cooldown`): after
 * `failures` failures in a row, `seconds` of rest; one success resets the count.
 */
export interface CooldownSettings {
  failures: number;
  seconds: number;
}

export class Cooldown {
  readonly #streak = new Map<string, number>();
  readonly #until = new Map<string, number>();

  constructor(readonly settings: CooldownSettings, readonly now: () => number = Date.now) {}

  /** True while the deployment sits out. */
  cooling(id: string): boolean {
    const until = this.#until.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.#until.delete(id);
    return false;
  }

  failure(id: string): void {
    const streak = (this.#streak.get(id) ?? 0) + 1;
    this.#streak.set(id, streak);
    if (streak >= this.settings.failures) {
      this.#until.set(id, this.now() + this.settings.seconds * 1000);
      this.#streak.set(id, 0);
    }
  }

  success(id: string): void {
    this.#streak.delete(id);
    this.#until.delete(id);
  }

  /** Deployments sitting out now, with the seconds left. */
  active(): { deployment: string; seconds_left: number }[] {
    const now = this.now();
    return [...this.#until.entries()]
      .filter(([, until]) => until > now)
      .map(([deployment, until]) => ({
        deployment,
        seconds_left: Math.ceil((until - now) / 1000),
      }));
  }
}
