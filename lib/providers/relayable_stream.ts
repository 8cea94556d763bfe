/**
 * An upstream body that the client's response can use as it is: one
 * ReadableStream, with a slot for an observer that sees (and may replace)
 * every chunk and may append a last event. Chunks that arrive before an
 * observer is attached wait for it, so it sees, and can change, all of them;
 * a plain reader that comes instead gets them unchanged.
 */
import { UpstreamFailure } from "../errors.ts";

/** Sees a relayed stream's chunks; at its end says what, if anything, to append. */
export interface BodyObserver {
  /** Sees a chunk; returns its replacement, or nothing to send it as it is. */
  chunk(chunk: Uint8Array): Uint8Array | void;
  /** Called once. Bytes returned are sent last (an error event) and the stream closes normally. */
  end(error?: unknown): Uint8Array | undefined;
}

/**
 * Upstream data past this many queued bytes pauses the upstream until the
 * client reads: pausing at every chunk would cost a pause/resume cycle per
 * chunk, and 64 KiB never holds back a normal client.
 */
const MAX_QUEUED = 65536;

export interface Upstream {
  pause(): void;
  resume(): void;
  /** The client went away: stop the upstream call. */
  cancel(): void;
}

export class RelayableStream {
  readonly body: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #observer: BodyObserver | undefined;
  /** Chunks waiting for an observer (or a plain reader). */
  #held: Uint8Array[] = [];
  /** A plain reader took the stream: chunks go out as they are. */
  #plain = false;
  /** The upstream's end, once it came: undefined while flowing, null for a clean end. */
  #end: Error | null | undefined;
  #closed = false;
  #paused = false;
  /** Whether a chunk came yet, and who waits for the first (see `started`). */
  #pushed = false;
  #onStart: ((error: Error | null) => void) | undefined;

  constructor(readonly upstream: Upstream) {
    // A high-water mark of 0: pull() means a reader is waiting. Backpressure is counted in bytes below.
    this.body = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#controller = c),
      pull: () => {
        if (!this.#observer && !this.#plain) {
          this.#plain = true;
          for (const chunk of this.#held) this.#controller.enqueue(chunk);
          this.#held = [];
        }
        if (this.#end !== undefined) this.#finish();
        else if (this.#paused) {
          this.#paused = false;
          upstream.resume();
        }
      },
      cancel: () => {
        if (this.#closed) return;
        this.#closed = true;
        this.#observer?.end(new Error("client disconnected"));
        this.#observer = undefined;
        upstream.cancel();
      },
    }, { highWaterMark: 0, size: (chunk) => chunk.byteLength });
  }

  /**
   * Resolves once the first chunk arrived; rejects when the stream ended
   * before any (an empty stream is a failure to judge, not an answer).
   */
  started(): Promise<void> {
    if (this.#pushed) return Promise.resolve();
    if (this.#end !== undefined) return Promise.reject(this.#noStart());
    return new Promise((resolve, reject) => {
      this.#onStart = (error) => (error ? reject(error) : resolve());
    });
  }

  #noStart(): Error {
    return this.#end ?? new UpstreamFailure("network", "stream ended before any data");
  }

  /** A chunk from the upstream. */
  push(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#pushed) {
      this.#pushed = true;
      this.#onStart?.(null);
    }
    if (this.#observer) this.#send(this.#observer.chunk(chunk) ?? chunk);
    else if (this.#plain) this.#controller.enqueue(chunk);
    else this.#held.push(chunk);
    if (!this.#paused && (this.#controller.desiredSize ?? 0) < -MAX_QUEUED) {
      this.#paused = true;
      this.upstream.pause();
    }
  }

  /** The upstream's end; closes the stream once whoever reads it has what came before. */
  end(error?: Error): void {
    if (this.#end !== undefined || this.#closed) return;
    this.#end = error ?? null;
    if (!this.#pushed) this.#onStart?.(this.#noStart());
    if (this.#observer || (this.#plain && this.#held.length === 0)) this.#finish();
  }

  /** Attaches the observer: it sees the chunks that waited, then every one as it comes. */
  observe(observer: BodyObserver): void {
    this.#observer = observer;
    for (const chunk of this.#held) this.#send(observer.chunk(chunk) ?? chunk);
    this.#held = [];
    if (this.#end !== undefined) this.#finish();
  }

  /** An observed chunk; one the observer emptied is not sent (an empty write still costs a syscall). */
  #send(chunk: Uint8Array): void {
    if (chunk.length) this.#controller.enqueue(chunk);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = this.#end ?? undefined;
    const last = this.#observer?.end(error);
    // The Response may outlive the request (the server holds it): let go of the request's graph.
    this.#observer = undefined;
    try {
      if (last) this.#controller.enqueue(last);
      if (error && !last) this.#controller.error(error);
      else this.#controller.close();
    } catch { /* the client cancelled the stream first */ }
  }
}

/**
 * A web stream (a plugin provider's, or a translation's output) as a
 * relayable one, read only as fast as its own reader takes it: the same
 * observer slot and backpressure as the upstream client's node streams.
 */
export function relayWeb(source: ReadableStream<Uint8Array>): RelayableStream {
  const reader = source.getReader();
  let paused = false;
  let pumping = false;
  const stream = new RelayableStream({
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      pump();
    },
    cancel: () => void reader.cancel().catch(() => {}),
  });
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (!paused) {
        const { done, value } = await reader.read();
        if (done) return stream.end();
        stream.push(value);
      }
    } catch (err) {
      stream.end(err as Error);
    } finally {
      pumping = false;
    }
  };
  pump();
  return stream;
}
