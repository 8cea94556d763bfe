/**
 * The splitter's companion in a Responses API answer: a message item of its
 * own after the main one (the SDK's `output_text` joins them), never beside
 * a function call.
 */
import type { Injector } from "../format.ts";
import { asArray, type Json } from "../json.ts";
import { newId } from "../neutral.ts";
import { sse } from "../sse.ts";

const CALLS = new Set(["function_call", "custom_tool_call"]);

/** The companion as a message item, in progress or done. */
function messageItem(id: string, text: string | null): Json {
  return text === null
    ? { type: "message", id, status: "in_progress", role: "assistant", content: [] }
    : { type: "message", id, status: "completed", role: "assistant", content: [outputText(text)] };
}

const outputText = (text: string) => ({ type: "output_text", text, annotations: [] });

/** The JSON of a raw `event: …\ndata: …` event. */
const dataOf = (ev: string): Json => JSON.parse(ev.slice(ev.indexOf("data: ") + 6));

/** A message item after the answer's, unless the answer calls a function. */
export function companionSlot(json: Json): ((text: string) => void) | null {
  const output = (json.output ??= []) as Json[];
  if (output.some((item) => CALLS.has(String(item.type)))) return null;
  return (text) => output.push(messageItem(newId("msg_"), text));
}

/** Before `response.completed` (or incomplete): the item's events, numbered after the main ones. */
export function responsesInjector(): Injector {
  let items = 0;
  let sequence = -1;
  let tools = false;
  let opened = false;
  const id = newId("msg_");
  const event = (type: string, data: Json) =>
    sse(JSON.stringify({ type, sequence_number: ++sequence, ...data }), type);
  const at = () => ({ item_id: id, output_index: items });
  return {
    see(ev) {
      // The final event waits, and is numbered again after the companion's.
      if (/^event: response\.(completed|incomplete)\n/.test(ev)) return { now: "", later: ev };
      const numbered = /"sequence_number":\s*(\d+)/.exec(ev);
      if (numbered) sequence = Number(numbered[1]);
      if (ev.startsWith("event: response.output_item.added")) {
        items++;
        if (CALLS.has(String((dataOf(ev).item as Json | undefined)?.type))) tools = true;
      }
      return { now: ev };
    },
    toolCall: () => tools,
    piece(text) {
      let out = "";
      if (!opened) {
        out += event("response.output_item.added", {
          output_index: items,
          item: messageItem(id, null),
        });
        out += event("response.content_part.added", {
          ...at(),
          content_index: 0,
          part: outputText(""),
        });
        opened = true;
      }
      return out +
        event("response.output_text.delta", {
          ...at(),
          content_index: 0,
          delta: text,
          logprobs: [],
        });
    },
    after(later, text) {
      if (!opened) return later;
      const done =
        event("response.output_text.done", { ...at(), content_index: 0, text, logprobs: [] }) +
        event("response.content_part.done", { ...at(), content_index: 0, part: outputText(text) }) +
        event("response.output_item.done", { output_index: items, item: messageItem(id, text) });
      // The final event lists every output item and comes last in the numbering.
      const type = later.slice("event: ".length, later.indexOf("\n"));
      const data = dataOf(later);
      data.sequence_number = ++sequence;
      const response = (data.response ?? {}) as Json;
      response.output = [...asArray(response.output), messageItem(id, text)];
      return done + sse(JSON.stringify(data), type);
    },
    keepAlive: ": keep-alive\n\n",
  };
}
