/** The splitter's companion in an Anthropic answer: in the last text block, or a new one before `message_delta`. */
import type { Injector } from "../format.ts";
import type { Json } from "../json.ts";
import { sse } from "../sse.ts";

/** Appends to the last text block (a new one when there is none). */
export function appendToAnswer(json: Json, text: string): void {
  const content = (json.content ??= []) as Json[];
  const last = content.findLast((b) => b.type === "text");
  if (last) last.text = String(last.text ?? "") + text;
  else content.push({ type: "text", text });
}

/** A new text block before `message_delta`. */
export function messagesInjector(): Injector {
  let lastIndex = -1;
  let index = 0;
  return {
    endsText: (event) => event.startsWith("event: message_delta"),
    split: () => null,
    see(event) {
      const m = /"type":"content_block_start","index":(\d+)/.exec(event);
      if (m) lastIndex = Math.max(lastIndex, Number(m[1]));
    },
    open() {
      index = lastIndex + 1;
      return sse(
        JSON.stringify({
          type: "content_block_start",
          index,
          content_block: { type: "text", text: "" },
        }),
        "content_block_start",
      );
    },
    piece: (text) =>
      sse(
        JSON.stringify({ type: "content_block_delta", index, delta: { type: "text_delta", text } }),
        "content_block_delta",
      ),
    close: () => sse(JSON.stringify({ type: "content_block_stop", index }), "content_block_stop"),
  };
}
