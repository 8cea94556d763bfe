/**
 * Where a Gemini request and answer hold text (transforms, `response_regex`):
 * the system instruction's and the turns' text parts, the candidates' text
 * parts — never thoughts. Streams are rewritten chunk by chunk, everything
 * but that text as it came.
 */
import type { TextSlot } from "../format.ts";
import { asArray, type Json } from "../json.ts";
import { type Editor, eventData, type TextEdit } from "../rewrite.ts";

const isText = (p: Json) => typeof p.text === "string" && p.thought !== true;

export function* geminiTexts(body: Json): Iterable<TextSlot> {
  const system = body.systemInstruction;
  if (typeof system === "string") yield ["system", body, "systemInstruction"];
  for (const p of asArray((system as Json | undefined)?.parts)) {
    if (isText(p)) yield ["system", p, "text"];
  }
  for (const turn of asArray(body.contents)) {
    const role = turn.role === "model" ? "assistant" : "user";
    for (const p of asArray(turn.parts)) if (isText(p)) yield [role, p, "text"];
  }
}

/** The text parts of each candidate of an answer (or of one streamed chunk), by candidate index. */
function* candidateTexts(json: Json): Iterable<[index: number, part: Json, last: boolean]> {
  for (const candidate of asArray(json.candidates)) {
    const parts = asArray((candidate.content as Json | undefined)?.parts).filter(isText);
    for (const [i, p] of parts.entries()) {
      yield [Number(candidate.index ?? 0), p, i === parts.length - 1];
    }
  }
}

export function rewriteGeminiAnswer(json: Json, rewrite: (text: string) => string): void {
  for (const [, part] of candidateTexts(json)) part.text = rewrite(part.text as string);
}

/** A Gemini SSE stream with its answer text rewritten: one edit per candidate, flushed where it finishes. */
export function rewriteGeminiStream(editor: Editor): TransformStream<string, string> {
  const edits = new Map<number, TextEdit>();
  const editOf = (index: number) => {
    let edit = edits.get(index);
    if (!edit) edits.set(index, edit = editor());
    return edit;
  };
  return new TransformStream<string, string>({
    async transform(event, out) {
      const chunk = eventData(event);
      if (!chunk) return out.enqueue(event);
      let changed = false;
      for (const [index, part, last] of candidateTexts(chunk)) {
        part.text = await editOf(index).push(part.text as string);
        changed = true;
        const finished = asArray(chunk.candidates).some((c) =>
          Number(c.index ?? 0) === index && c.finishReason
        );
        if (last && finished) {
          part.text += await edits.get(index)!.end();
          edits.delete(index);
        }
      }
      // A candidate that finishes without text of its own: what its edit held goes in a part of its own.
      for (const candidate of asArray(chunk.candidates)) {
        const edit = edits.get(Number(candidate.index ?? 0));
        if (!candidate.finishReason || !edit) continue;
        edits.delete(Number(candidate.index ?? 0));
        const held = await edit.end();
        if (!held) continue;
        const content = (candidate.content ??= { role: "model", parts: [] }) as Json;
        content.parts = [{ text: held }, ...asArray(content.parts)];
        changed = true;
      }
      out.enqueue(changed ? `data: ${JSON.stringify(chunk)}\r\n\r\n` : event);
    },
  });
}
