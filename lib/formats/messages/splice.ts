/**
 * The splitter's companion in an Anthropic answer: inside the main answer's
 * last text block, so a client that keeps the last text block (Claude Code's
 * `result`) keeps the main answer; a block of its own only when the answer
 * has no text block.
 */
import type { Injector } from "../format.ts";
import type { Json } from "../json.ts";
import { sse } from "../sse.ts";

/** In the last text block (a new one when there is none), unless the answer uses a tool. */
export function companionSlot(json: Json): ((text: string) => void) | null {
  const content = (json.content ??= []) as Json[];
  if (content.some((b) => b.type === "tool_use")) return null;
  const last = content.findLast((b) => b.type === "text");
  return (text) => {
    if (last) last.text = String(last.text ?? "") + text;
    else content.push({ type: "text", text });
  };
}

const BLOCK = /^event: content_block_(start|stop)\n/;

/**
 * A text block's `content_block_stop` is held until the next event shows
 * whether another block follows: at `message_delta` it was the last, and the
 * companion's deltas go in before it.
 */
export function messagesInjector(): Injector {
  const kinds = new Map<number, string>();
  let held = "";
  let heldIndex = -1;
  let lastIndex = -1;
  let tools = false;
  /** The block the companion goes into, and whether the companion opens it. */
  let index = -1;
  let own = false;
  let opened = false;
  const event = (type: string, data: Json) => sse(JSON.stringify({ type, ...data }), type);
  return {
    see(ev) {
      if (ev.startsWith("event: ping")) return { now: ev };
      if (ev.startsWith("event: message_delta")) {
        if (/"stop_reason":\s*"tool_use"/.test(ev)) tools = true;
        own = heldIndex < 0;
        index = own ? lastIndex + 1 : heldIndex;
        return { now: "", later: held + ev };
      }
      const before = held;
      held = "";
      heldIndex = -1;
      const block = BLOCK.exec(ev);
      if (block) {
        const data = JSON.parse(ev.slice(ev.indexOf("data: ") + 6));
        if (block[1] === "start") {
          const type = String(data.content_block?.type);
          kinds.set(data.index, type);
          lastIndex = Math.max(lastIndex, data.index);
          if (type === "tool_use") tools = true;
        } else if (kinds.get(data.index) === "text") {
          held = ev;
          heldIndex = data.index;
          return { now: before };
        }
      }
      return { now: before + ev };
    },
    toolCall: () => tools,
    piece(text) {
      const start = own && !opened
        ? event("content_block_start", { index, content_block: { type: "text", text: "" } })
        : "";
      opened = true;
      return start + event("content_block_delta", { index, delta: { type: "text_delta", text } });
    },
    after: (later) => (opened && own ? event("content_block_stop", { index }) : "") + later,
    keepAlive: event("ping", {}),
  };
}
