/**
 * The client's stream: the upstream's first chunk, then the rest as it comes,
 * each chunk seen by an optional tap. A failure after the first byte ends the
 * stream with an error event in the client's format; a client that leaves
 * cancels the upstream read.
 */

export interface RelayOptions {
  /** Already read while judging the attempt. */
  first?: Uint8Array;
  /** Sees every chunk on its way (usage, logs). */
  tap?: (chunk: Uint8Array) => void;
  /** The stream's closing error event, in the client's format. */
  errorEvent: (err: unknown) => string;
  /** Called once: at the end, on failure (with the error) or when the client left. */
  onEnd: (error?: unknown) => void;
}

const encoder = new TextEncoder();

export function relay(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: RelayOptions,
): ReadableStream<Uint8Array> {
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    options.onEnd(error);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (options.first) {
        options.tap?.(options.first);
        controller.enqueue(options.first);
      }
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
          return;
        }
        options.tap?.(value);
        controller.enqueue(value);
      } catch (err) {
        controller.enqueue(encoder.encode(options.errorEvent(err)));
        controller.close();
        end(err);
      }
    },
    cancel(reason) {
      end(new Error("client disconnected"));
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
