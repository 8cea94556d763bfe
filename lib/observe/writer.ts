/**
 * Lines written off the hot path: appended to a buffer, written out in
 * batches by an async sink a moment later (or at once past a size), and
 * flushed on close. A failing sink is reported once; lines keep coming.
 */

/** A batch this big is written at once rather than after the delay. */
const BATCH_BYTES = 256 * 1024;
/** Lines wait at most this long for their batch. */
const DELAY_MS = 50;
/** Past this much unwritten text (a stuck sink) the oldest lines are dropped. */
const MAX_PENDING = 16 * 1024 * 1024;

export class BufferedWriter {
  #lines: string[] = [];
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #reported = false;

  constructor(
    readonly sink: (text: string) => Promise<void>,
    readonly onError: (err: Error) => void,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#size += line.length;
    while (this.#size > MAX_PENDING && this.#lines.length > 1) {
      this.#size -= this.#lines.shift()!.length;
    }
    if (this.#size >= BATCH_BYTES) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), DELAY_MS);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
  }

  /** Writes what is buffered; resolves when it (and every batch before it) is out. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return this.#writing;
    const text = this.#lines.join("");
    this.#lines = [];
    this.#size = 0;
    this.#writing = this.#writing.then(() => this.sink(text)).then(
      () => void (this.#reported = false),
      (err) => {
        if (!this.#reported) this.onError(err);
        this.#reported = true;
      },
    );
    return this.#writing;
  }
}
