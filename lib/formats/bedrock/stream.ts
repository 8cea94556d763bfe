/**
 * ConverseStream's `application/vnd.amazon.eventstream` read: binary
 * messages (prelude, headers, payload, CRCs) split off the bytes by their
 * length and decoded by `@smithy/eventstream-codec` — which checks both
 * CRCs — then each event (`messageStart`, `contentBlockStart/Delta/Stop`,
 * `messageStop`, `metadata`) as neutral events; an `exception` message
 * fails the stream with its type.
 */
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { AnswerEvent } from "../neutral.ts";
import { newId, ToolIndexes } from "../neutral.ts";
import type { Json } from "../json.ts";
import { cutShort, UpstreamFailure } from "../../errors.ts";
import { converseUsage, stopReason } from "./answer.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const decoder = new TextDecoder();

/** Bytes to whole event-stream messages, each as its bytes (a message longer than `max` fails). */
function messages(max: number): TransformStream<Uint8Array, Uint8Array> {
  let buffer = new Uint8Array(0);
  return new TransformStream({
    transform(chunk, out) {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      while (buffer.length >= 4) {
        const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
        if (length > max) {
          throw new UpstreamFailure("network", `an event-stream message of ${length} bytes`);
        }
        if (buffer.length < length) break;
        out.enqueue(buffer.slice(0, length));
        buffer = buffer.slice(length);
      }
    },
    flush() {
      if (buffer.length) {
        throw new UpstreamFailure("network", "the event stream ended inside a message");
      }
    },
  });
}

export function converseStreamDecoder(): TransformStream<Uint8Array, AnswerEvent> {
  const tools = new ToolIndexes();
  let usage: Json | undefined;
  let stop: unknown;
  return new TransformStream<Uint8Array, AnswerEvent>({
    transform(bytes, out) {
      const message = codec.decode(bytes);
      const header = (name: string) => String(message.headers[name]?.value ?? "");
      const body = decoder.decode(message.body);
      if (header(":message-type") === "exception" || header(":message-type") === "error") {
        const type = header(":exception-type") || header(":error-code");
        let text = body;
        try {
          text = String((JSON.parse(body) as Json).message ?? body);
        } catch { /* as sent */ }
        throw new UpstreamFailure("network", `${type}: ${text}`);
      }
      const event = JSON.parse(body || "{}") as Json;
      switch (header(":event-type")) {
        case "messageStart":
          out.enqueue({
            type: "start",
            id: newId("msg_"),
            model: "",
            created: Math.floor(Date.now() / 1000),
          });
          break;
        case "contentBlockStart": {
          const use = ((event.start as Json | undefined)?.toolUse ?? {}) as Json;
          if (use.name) {
            out.enqueue(
              tools.open(Number(event.contentBlockIndex), String(use.toolUseId), String(use.name)),
            );
          }
          break;
        }
        case "contentBlockDelta": {
          const delta = (event.delta ?? {}) as Json;
          if (typeof delta.text === "string") out.enqueue({ type: "text", text: delta.text });
          const use = delta.toolUse as Json | undefined;
          const index = tools.of(Number(event.contentBlockIndex));
          if (use && index !== undefined) {
            out.enqueue({ type: "tool_args", index, arguments: String(use.input ?? "") });
          }
          const reasoning = delta.reasoningContent as Json | undefined;
          if (typeof reasoning?.text === "string") {
            out.enqueue({ type: "reasoning", text: reasoning.text });
          }
          if (typeof reasoning?.signature === "string") {
            out.enqueue({ type: "signature", signature: reasoning.signature });
          }
          break;
        }
        case "messageStop":
          stop = event.stopReason;
          break;
        case "metadata":
          usage = event.usage as Json | undefined;
          break;
      }
    },
    flush(out) {
      if (stop === undefined) throw cutShort("a messageStop event");
      if (usage) out.enqueue({ type: "usage", usage: converseUsage(usage) });
      out.enqueue({ type: "finish", stop: stopReason(stop) });
    },
  });
}

export { messages as eventStreamMessages };
