/**
 * Bodies for the file log (`log.bodies`), as JSON text to splice into a line:
 * always one JSON value on one line, whatever the body, and never more than
 * `log.max_body_kb` of it (past that, a string cut with a marker). JSON
 * answers go in as they were, streams as their assembled text and tool calls
 * (not the raw events), assembled after the stream ended from what was kept.
 */
import type { Api } from "../api.ts";
import { type Answer, AnswerCollector } from "../formats/neutral.ts";
import { wireFormat } from "../formats/index.ts";
import { ByteBuffer } from "../byte_buffer.ts";

const decoder = new TextDecoder();
const LINE_BREAK = /[\r\n]+/g;

/** JSON text as one line: a raw line break in JSON is whitespace (in strings it is escaped). */
function oneLine(json: string): string {
  return json.includes("\n") || json.includes("\r") ? json.replace(LINE_BREAK, " ") : json;
}

/** The first part of a body, as a JSON string that says it was cut and how long the whole was. */
function cut(text: string, total: number): string {
  return JSON.stringify(`${text}…[cut: ${total} bytes in all; log.max_body_kb]`);
}

/** A request body known to be JSON (it was parsed). */
export function requestJson(json: string, maxBytes: number): string {
  return json.length > maxBytes ? cut(json.slice(0, maxBytes), json.length) : oneLine(json);
}

/** A body as it came: itself when it is a JSON document, else a JSON string of its text. */
export function bodyJson(
  body: Uint8Array | string | undefined,
  contentType: string | null,
  maxBytes: number,
): string {
  const bytes = typeof body === "string" ? undefined : body ?? new Uint8Array();
  const size = bytes ? bytes.length : (body as string).length;
  if (size > maxBytes) {
    const head = bytes ? decoder.decode(bytes.subarray(0, maxBytes)) : (body as string);
    return cut(head.slice(0, maxBytes), size);
  }
  const text = bytes ? decoder.decode(bytes) : body as string;
  if (contentType?.includes("json")) {
    try {
      JSON.parse(text);
      return oneLine(text);
    } catch { /* not the JSON it says it is: logged as text */ }
  }
  return JSON.stringify(text);
}

/** An answer as the log shows a stream: text, reasoning, tool calls, why it stopped, usage. */
export function answerJson(answer: Answer, cut = false): string {
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
    ...(cut ? { cut: true } : {}),
  });
}

/**
 * The first `maxBytes` of a pass-through stream, kept as it flows and read
 * back into its answer after it ended: a stream of any length holds at most that.
 */
export class StreamKeeper {
  readonly #kept: ByteBuffer;
  #cut = false;

  constructor(readonly maxBytes: number) {
    this.#kept = new ByteBuffer(maxBytes);
  }

  push(chunk: Uint8Array): void {
    if (!this.#cut && !this.#kept.append(chunk)) this.#cut = true;
  }

  /** What was kept, as the log shows a stream; a cut stream says so. */
  async answer(api: Api, maxEventBytes: number): Promise<string> {
    const collector = new AnswerCollector(this.maxBytes);
    const stream = new Blob([this.#kept.bytes()]).stream();
    try {
      for await (const ev of wireFormat(api)!.decodeStream!(stream, maxEventBytes)) {
        collector.add(ev);
      }
    } catch { /* a cut stream may end mid-event: what was read stands */ }
    return answerJson(collector.answer, this.#cut || collector.cut);
  }
}
