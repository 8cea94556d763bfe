/** An OpenAI chat stream with its content and refusal text rewritten, and nothing else changed. */
import { type Editor, eventData, sseEvent, type TextEdit } from "../rewrite.ts";
import { asArray, type Json } from "../json.ts";

const FIELDS = ["content", "refusal"] as const;

export function rewriteChatStream(editor: Editor): TransformStream<string, string> {
  /** Edits by choice index and field. */
  const edits = new Map<string, TextEdit>();
  let head: Json = {};
  const editOf = (choice: number, field: string) => {
    const key = `${choice}:${field}`;
    let edit = edits.get(key);
    if (!edit) edits.set(key, edit = editor());
    return edit;
  };
  /** What the choices held back, each as a chunk of its own, before whatever ends them. */
  const release = async (out: TransformStreamDefaultController<string>, choice?: number) => {
    for (const [key, edit] of edits) {
      const [at, field] = key.split(":");
      if (choice !== undefined && Number(at) !== choice) continue;
      edits.delete(key);
      const held = await edit.end();
      if (!held) continue;
      out.enqueue(sseEvent({
        ...head,
        choices: [{
          index: Number(at),
          delta: { [field]: held },
          logprobs: null,
          finish_reason: null,
        }],
      }));
    }
  };
  return new TransformStream<string, string>({
    async transform(event, out) {
      const chunk = eventData(event);
      if (!chunk) {
        if (event.includes("[DONE]")) await release(out);
        return out.enqueue(event);
      }
      head = { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model };
      let changed = false;
      for (const choice of asArray(chunk.choices)) {
        const delta = (choice.delta ?? {}) as Json;
        const at = Number(choice.index ?? 0);
        for (const field of FIELDS) {
          if (typeof delta[field] !== "string" || delta[field] === "") continue;
          const edit = editOf(at, field);
          let text = await edit.push(delta[field] as string);
          // The choice ends here: what its edit held goes out with this chunk's text.
          if (choice.finish_reason) {
            text += await edit.end();
            edits.delete(`${at}:${field}`);
          }
          delta[field] = text;
          changed = true;
        }
        if (choice.finish_reason) await release(out, at);
      }
      out.enqueue(changed ? sseEvent(chunk) : event);
    },
    flush: (out) => release(out),
  });
}
