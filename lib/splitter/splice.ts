/**
 * The companion's text joined to the main answer, in the client's format:
 * after the main text (OpenAI), inside the last text block (Anthropic), as
 * a message item of its own (Responses). Never beside a tool call. Once the
 * main answer is done the companion has `grace_s` left; a stream carries
 * keep-alives meanwhile. The separator goes out with the companion's first
 * piece, so a companion that says nothing changes nothing.
 */
import type { Api } from "../api.ts";
import { clientFormat } from "../formats/index.ts";
import type { Injector } from "../formats/format.ts";
import { eventLimit, rawEvents } from "../formats/sse.ts";
import type { Companion } from "./companion.ts";

/** How a companion joins an answer. */
export interface Joining {
  companion: Companion;
  separator: string;
  graceMs: number;
  /** Told the companion's text once it reached the client (to recognise it in history). */
  sent: (text: string) => void;
}

/** A whole answer (bytes in the client's format) with the companion's text in it, or as it was. */
export async function spliceJson(
  api: Api,
  bytes: Uint8Array<ArrayBuffer>,
  j: Joining,
): Promise<BodyInit> {
  const json = JSON.parse(new TextDecoder().decode(bytes));
  const slot = clientFormat(api)!.companionSlot!(json);
  if (!slot) {
    j.companion.cancel("dropped: the answer is a tool call");
    return bytes;
  }
  j.companion.deadline(j.graceMs);
  let text = "";
  for await (const piece of j.companion.pieces()) text += piece;
  if (!text) return bytes;
  slot(j.separator + text);
  j.sent(text);
  return JSON.stringify(json);
}

/** The main stream with the companion's events where its text ends. */
export function spliceStream(
  api: Api,
  main: ReadableStream<Uint8Array>,
  j: Joining,
  maxEventBytes: number,
): ReadableStream<Uint8Array> {
  const injector = clientFormat(api)!.injector!();
  let joined = false;
  return main
    .pipeThrough(eventLimit(maxEventBytes, "sse"))
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(rawEvents())
    .pipeThrough(
      new TransformStream<string, string>({
        async transform(event, out) {
          if (joined) return out.enqueue(event);
          const { now, later } = injector.see(event);
          if (now) out.enqueue(now);
          if (later === undefined) return;
          joined = true;
          if (injector.toolCall()) {
            j.companion.cancel("dropped: the answer is a tool call");
            return out.enqueue(later);
          }
          const text = await pour(j, injector, (events) => out.enqueue(events));
          out.enqueue(injector.after(later, text));
        },
        // The main answer never reached its end (it failed): the companion is not wanted.
        flush: () => {
          if (!joined) j.companion.cancel("cancelled: the main answer did not end");
        },
        cancel: () => j.companion.cancel("cancelled: the client left"),
      }),
    )
    .pipeThrough(new TextEncoderStream());
}

/**
 * The companion's pieces as the injector's events, within the grace; a
 * keep-alive whenever nothing came for a while. Its text (without the
 * separator), "" when none came.
 */
async function pour(j: Joining, injector: Injector, emit: (events: string) => void) {
  j.companion.deadline(j.graceMs);
  const every = Math.min(1000, j.graceMs / 3);
  const pieces = j.companion.pieces();
  let text = "";
  let next = pieces.next();
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = new Promise<"tick">((resolve) => (timer = setTimeout(resolve, every, "tick")));
    const got = await Promise.race([next, tick]);
    clearTimeout(timer);
    if (got === "tick") {
      emit(injector.keepAlive);
      continue;
    }
    if (got.done) break;
    emit(injector.piece(text ? got.value : j.separator + got.value));
    text += got.value;
    next = pieces.next();
  }
  if (text) j.sent(text);
  return text ? j.separator + text : "";
}
