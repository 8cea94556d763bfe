/** Ollama's NDJSON stream (one JSON object a line) read into neutral events. */
import type { AnswerEvent, Block } from "../neutral.ts";
import { newId } from "../neutral.ts";
import type { Json } from "../json.ts";
import { midStreamError, UpstreamFailure } from "../../errors.ts";
import { stopReason, toolBlocks, usage } from "./answer.ts";

/** Ollama's NDJSON stream (one JSON object a line) to neutral events. */
export function ollamaStreamDecoder(): TransformStream<string, AnswerEvent> {
  let buffer = "";
  let started = false;
  let tools = 0;
  const line = (text: string, out: TransformStreamDefaultController<AnswerEvent>) => {
    if (text.trim() === "") return;
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamFailure(
        "network",
        `upstream sent a line that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (json.error) {
      throw midStreamError(json.error);
    }
    if (!started) {
      started = true;
      out.enqueue({
        type: "start",
        id: newId("chatcmpl-"),
        model: String(json.model ?? ""),
        created: Math.floor(Date.now() / 1000),
      });
    }
    const message = (json.message ?? {}) as Json;
    if (message.thinking) out.enqueue({ type: "reasoning", text: String(message.thinking) });
    if (message.content) out.enqueue({ type: "text", text: String(message.content) });
    for (const call of toolBlocks(message) as Extract<Block, { type: "tool_call" }>[]) {
      const index = tools++;
      out.enqueue({ type: "tool_call", index, id: call.id, name: call.name });
      out.enqueue({ type: "tool_args", index, arguments: call.arguments });
    }
    if (json.done) {
      out.enqueue({ type: "usage", usage: usage(json) });
      out.enqueue({ type: "finish", stop: stopReason(json.done_reason, tools > 0) });
    }
  };
  return new TransformStream<string, AnswerEvent>({
    transform(text, out) {
      buffer += text;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const l of lines) line(l, out);
    },
    flush(out) {
      line(buffer, out);
    },
  });
}
