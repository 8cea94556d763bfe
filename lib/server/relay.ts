/**
 * Relaying a stream to the client with an observer watching it: what the
 * built-in HTTP client does in its own stream (see `observeBody`), done here
 * as a second layer for streams from any other provider.
 */
import type { BodyObserver } from "../providers/http.ts";

/** `body` as the client's stream: each chunk shown to `observer`, its end ending cleanly. */
export function relay(
  body: ReadableStream<Uint8Array>,
  observer: BodyObserver,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return undefined;
    ended = true;
    return observer.end(error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // A chunk the observer emptied is skipped: an empty write still costs a syscall.
          const chunk = observer.chunk(value) ?? value;
          if (chunk.length) return controller.enqueue(chunk);
        }
        const last = end();
        if (last) controller.enqueue(last);
        controller.close();
      } catch (err) {
        const last = end(err);
        if (!last) return controller.error(err);
        controller.enqueue(last);
        controller.close();
      }
    },
    cancel(reason) {
      end(new Error("client disconnected"));
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
