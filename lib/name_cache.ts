/**
 * Results kept per name where clients choose the names (model names): bounded
 * by the total length of the names held, not their count, so long names
 * cannot make it large. Past the bound it starts over.
 */
export class NameCache<V> {
  readonly #entries = new Map<string, V>();
  #chars = 0;

  /** `maxChars`: the most characters of names held at once. */
  constructor(readonly maxChars = 1 << 20) {}

  get(name: string): V | undefined {
    return this.#entries.get(name);
  }

  set(name: string, value: V): void {
    if (this.#chars + name.length > this.maxChars) {
      this.#entries.clear();
      this.#chars = 0;
    }
    this.#entries.set(name, value);
    this.#chars += name.length;
  }
}
