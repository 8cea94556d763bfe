/** An Anthropic stream with the text of its text blocks rewritten, and nothing else changed. */
import { type Editor, eventData, sseEvent, type TextEdit } from "../rewrite.ts";
import type { Json } from "../json.ts";

export function rewriteMessagesStream(editor: Editor): TransformStream<string, string> {
  /** The open text blocks' edits, by block index. */
  const edits = new Map<number, TextEdit>();
  const delta = (index: number, text: string) =>
    sseEvent(
      { type: "content_block_delta", index, delta: { type: "text_delta", text } },
      "content_block_delta",
    );
  return new TransformStream<string, string>({
    async transform(event, out) {
      // Only block events can hold text: the rest go out as they came, unparsed.
      if (!event.includes('"content_block_')) return out.enqueue(event);
      const ev = eventData(event);
      const index = Number(ev?.index);
      if (ev?.type === "content_block_start" && (ev.content_block as Json)?.type === "text") {
        const edit = editor();
        edits.set(index, edit);
        const block = ev.content_block as Json;
        if (!block.text) return out.enqueue(event);
        return out.enqueue(
          sseEvent({
            ...ev,
            content_block: { ...block, text: await edit.push(String(block.text)) },
          }, "content_block_start"),
        );
      }
      const edit = edits.get(index);
      if (!edit) return out.enqueue(event);
      const d = ev?.delta as Json | undefined;
      if (ev?.type === "content_block_delta" && d?.type === "text_delta") {
        const text = await edit.push(String(d.text ?? ""));
        if (text) out.enqueue(delta(index, text));
      } else if (ev?.type === "content_block_stop") {
        edits.delete(index);
        const held = await edit.end();
        if (held) out.enqueue(delta(index, held));
        out.enqueue(event);
      } else out.enqueue(event);
    },
  });
}
