/**
 * Bodies for the file log (`log.bodies`), as JSON text to splice into a line:
 * JSON answers as they were, streams as their assembled text and tool calls
 * (not the raw events), assembled after the stream ended.
 */
import type { Api } from "../providers/types.ts";
import { type Answer, AnswerCollector } from "../translate/answer.ts";
import { decodeStream } from "../translate/plan.ts";

const decoder = new TextDecoder();

/** A body's text as JSON: itself when it is a JSON document, else a JSON string of it. */
export function bodyJson(
  body: Uint8Array | string | undefined,
  contentType: string | null,
): string {
  const text = typeof body === "string" ? body : decoder.decode(body ?? new Uint8Array());
  const trimmed = text.trimStart();
  const looksJson = contentType?.includes("json") &&
    (trimmed.startsWith("{") || trimmed.startsWith("["));
  // A raw newline in JSON text is whitespace (in strings it is escaped): dropping it keeps one line per record.
  return looksJson ? text.replace(/\r?\n\s*/g, "") : JSON.stringify(text);
}

/** An answer as the log shows a stream: text, reasoning, tool calls, why it stopped, usage. */
export function answerJson(answer: Answer): string {
  const pick = (type: string) => answer.blocks.filter((b) => b.type === type);
  return JSON.stringify({
    text: pick("text").map((b) => (b as { text: string }).text).join(""),
    reasoning: pick("reasoning").map((b) => (b as { text: string }).text).join("") || undefined,
    tool_calls: pick("tool_call").map((b) => {
      const { id, name, arguments: args } = b as { id: string; name: string; arguments: string };
      return { id, name, arguments: args };
    }),
    stop_reason: answer.stop,
    usage: answer.usage,
  });
}

/** A pass-through stream's chunks, read back into its answer. */
export async function assembledStream(api: Api, chunks: Uint8Array[]): Promise<string> {
  const collector = new AnswerCollector();
  for await (const ev of decodeStream(api, new Blob(chunks as BlobPart[]).stream())) {
    collector.add(ev);
  }
  return answerJson(collector.answer);
}
