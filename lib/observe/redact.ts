/**
 * Secrets never leave the process whole: every known key is shown as
 * `sk-…abcd` (its first three and last four characters) wherever text may
 * reach a client, a log or a metric.
 */

/** The masked form of one secret. */
export function mask(secret: string): string {
  return secret.length <= 12 ? "…" : `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}

/** Replaces every occurrence of the known secrets in a text. */
export class Redactor {
  readonly #pattern: RegExp | null;
  readonly #masked = new Map<string, string>();

  constructor(secrets: Iterable<string>) {
    const list = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) =>
      b.length - a.length
    );
    for (const s of list) this.#masked.set(s, mask(s));
    this.#pattern = list.length
      ? new RegExp(list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g")
      : null;
  }

  text(s: string): string {
    return this.#pattern ? s.replace(this.#pattern, (m) => this.#masked.get(m)!) : s;
  }
}
