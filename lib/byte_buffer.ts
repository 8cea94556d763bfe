/**
 * Bytes appended into one growing buffer, up to a cap: copied as they come,
 * because holding the chunks themselves would hold the buffers behind them
 * (64 KiB for each one-byte chunk of a chunked upload).
 */
export class ByteBuffer {
  #bytes = new Uint8Array(1024);
  #size = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.#size;
  }

  /** Appends what fits of `chunk`; false when some of it did not. */
  append(chunk: Uint8Array): boolean {
    const n = Math.min(this.maxBytes - this.#size, chunk.length);
    if (this.#size + n > this.#bytes.length) {
      const grown = new Uint8Array(
        Math.min(this.maxBytes, Math.max(this.#bytes.length * 2, this.#size + n)),
      );
      grown.set(this.#bytes.subarray(0, this.#size));
      this.#bytes = grown;
    }
    this.#bytes.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.#size);
    this.#size += n;
    return n === chunk.length;
  }

  /** The bytes so far (a view: appending may replace the buffer, not change what was returned). */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.#bytes.subarray(0, this.#size);
  }
}
