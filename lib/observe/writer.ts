/**
 * Lines written off the hot path: appended to a buffer, written out in
 * batches by an async sink a moment later (or at once past a size), one
 * batch after another, and flushed on close. A failing sink is reported
 * once; lines keep coming.
 */

/** A batch this big is written at once rather than after the delay; no one write is bigger. */
const BATCH_BYTES = 256 * 1024;
/** Lines wait at most this long for their batch. */
const DELAY_MS = 50;
/**
 * Past this much unwritten text (a sink that stopped: a full or hung disk) the
 * oldest waiting lines are dropped, and counted, rather than memory growing
 * without end. Lines are bounded (bodies are cut at `log.max_body_kb`), so a
 * healthy sink never comes near it.
 */
const MAX_PENDING = 256 * 1024 * 1024;

export class BufferedWriter {
  #lines: string[] = [];
  #size = 0;
  /** Text handed to batches not written yet. */
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #reported = false;
  #dropped = 0;

  constructor(
    readonly sink: (text: string) => Promise<void>,
    readonly onError: (err: Error) => void,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#size += line.length;
    while (this.#size + this.#inFlight > MAX_PENDING && this.#lines.length > 1) {
      this.#size -= this.#lines.shift()!.length;
      this.#dropped++;
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
    const lines = this.#lines;
    const size = this.#size;
    this.#lines = [];
    this.#size = 0;
    this.#inFlight += size;
    this.#writing = this.#writing.then(async () => {
      // Written (and masked, and encoded) at most BATCH_BYTES at a time, however many lines came at once.
      for (let from = 0; from < lines.length;) {
        let to = from;
        for (
          let taken = 0;
          to < lines.length && (to === from || taken + lines[to].length <= BATCH_BYTES);
          to++
        ) {
          taken += lines[to].length;
        }
        await this.#write(lines.slice(from, to).join(""));
        from = to;
      }
      this.#inFlight -= size;
    });
    return this.#writing;
  }

  async #write(text: string): Promise<void> {
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
}
