/**
 * A Responses API stream with its output text (and refusals) rewritten, and
 * nothing else changed. The API repeats each text whole when it is done
 * (`.done`, the part, the item, the response): those get the rewritten whole.
 */
import { type Editor, eventData, sseEvent, type TextEdit } from "../rewrite.ts";
import { asArray, type Json } from "../json.ts";

/** Which delta events carry text, the done event that ends it, and the field each writes the whole in. */
const TEXTS: Record<string, { done: string; field: "text" | "refusal" }> = {
  "response.output_text.delta": { done: "response.output_text.done", field: "text" },
  "response.refusal.delta": { done: "response.refusal.done", field: "refusal" },
};
const DONES = new Set(Object.values(TEXTS).map((t) => t.done));

export function rewriteResponsesStream(editor: Editor): TransformStream<string, string> {
  /** By `item_id:content_index`: the edit, and the rewritten text so far. */
  const texts = new Map<string, { edit: TextEdit; whole: string }>();
  const textOf = (item: unknown, index: unknown) => {
    const key = `${item}:${index}`;
    let t = texts.get(key);
    if (!t) texts.set(key, t = { edit: editor(), whole: "" });
    return t;
  };
  /** A part's text as rewritten, where one was. */
  const rewritten = (item: unknown, index: number, part: Json) => {
    const t = texts.get(`${item}:${index}`);
    const field = part.type === "refusal" ? "refusal" : "text";
    return t && typeof part[field] === "string" ? { ...part, [field]: t.whole } : part;
  };
  const rewriteItem = (item: Json) =>
    item.type === "message"
      ? { ...item, content: asArray(item.content).map((p, i) => rewritten(item.id, i, p)) }
      : item;

  return new TransformStream<string, string>({
    async transform(event, out) {
      const ev = eventData(event);
      const type = String(ev?.type ?? "");
      if (!ev) return out.enqueue(event);
      const text = TEXTS[type];
      if (text) {
        const t = textOf(ev.item_id, ev.content_index);
        const piece = await t.edit.push(String(ev.delta ?? ""));
        t.whole += piece;
        if (piece) out.enqueue(sseEvent({ ...ev, delta: piece }, type));
      } else if (DONES.has(type)) {
        const t = textOf(ev.item_id, ev.content_index);
        const held = await t.edit.end();
        t.whole += held;
        const delta = type.replace(".done", ".delta");
        // What was held back goes out as one more delta, numbered like the done that follows it.
        if (held) {
          out.enqueue(
            sseEvent(
              { ...ev, type: delta, delta: held, text: undefined, refusal: undefined },
              delta,
            ),
          );
        }
        const field = type === "response.refusal.done" ? "refusal" : "text";
        out.enqueue(sseEvent({ ...ev, [field]: t.whole }, type));
      } else if (type === "response.content_part.done") {
        out.enqueue(
          sseEvent({
            ...ev,
            part: rewritten(ev.item_id, Number(ev.content_index), ev.part as Json),
          }, type),
        );
      } else if (type === "response.output_item.done") {
        out.enqueue(sseEvent({ ...ev, item: rewriteItem(ev.item as Json) }, type));
      } else if (type === "response.completed" || type === "response.incomplete") {
        const response = ev.response as Json;
        out.enqueue(
          sseEvent({
            ...ev,
            response: { ...response, output: asArray(response.output).map(rewriteItem) },
          }, type),
        );
      } else out.enqueue(event);
    },
  });
}
