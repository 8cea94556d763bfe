/**
 * Lines written off the hot path: appended to a buffer, written out in
 * batches by an async sink a moment later (or at once past a size), one
 * write at a time, and flushed on close. A failing sink is reported once;
 * lines keep coming.
 */

/** A batch this big is written at once rather than after the delay. */
const BATCH_BYTES = 256 * 1024;
/** Lines wait at most this long for their batch. */
const DELAY_MS = 50;
/**
 * Past this much unwritten text (a sink that stopped: a full or hung disk) the
 * oldest lines are dropped, and counted, rather than memory growing without
 * end. Lines are bounded (bodies are cut at `log.max_body_kb`), so a healthy
 * sink never comes near it.
 */
const MAX_PENDING = 256 * 1024 * 1024;

export class BufferedWriter {
  #lines: string[] = [];
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The write loop, while it runs. */
  #draining: Promise<void> | null = null;
  #reported = false;
  #dropped = 0;

  constructor(
    readonly sink: (text: string) => Promise<void>,
    readonly onError: (err: Error) => void,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#size += line.length;
    while (this.#size > MAX_PENDING && this.#lines.length > 1) {
      this.#size -= this.#lines.shift()!.length;
      this.#dropped++;
    }
    if (this.#size >= BATCH_BYTES) this.flush();
    else if (this.#timer === undefined && this.#draining === null) {
      this.#timer = setTimeout(() => this.flush(), DELAY_MS);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
  }

  /** Writes what is buffered; resolves when it (and whatever came meanwhile) is out. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#draining ??= this.#drain();
  }

  /**
   * The oldest lines, up to about BATCH_BYTES, taken out: each write (and the
   * masking and encoding before it) copies only that much at a time, however
   * many lines came at once.
   */
  #take(): string {
    let n = 0;
    let taken = 0;
    while (n < this.#lines.length && (n === 0 || taken + this.#lines[n].length <= BATCH_BYTES)) {
      taken += this.#lines[n++].length;
    }
    this.#size -= taken;
    return this.#lines.splice(0, n).join("");
  }

  async #drain(): Promise<void> {
    try {
      while (this.#lines.length > 0) {
        const text = this.#take();
        try {
          await this.sink(text);
          this.#reported = false;
        } catch (err) {
          if (!this.#reported) this.onError(err as Error);
          this.#reported = true;
        }
        if (this.#dropped > 0) {
          this.onError(new Error(`${this.#dropped} lines dropped while the sink was stuck`));
          this.#dropped = 0;
        }
      }
    } finally {
      this.#draining = null;
    }
  }
}
