/**
 * Anthropic messages read into the neutral answer: a whole `message`, or the
 * SSE stream event by event (https://docs.anthropic.com/en/api/messages-streaming).
 */
import { UpstreamFailure } from "../providers/types.ts";
import type { Answer, AnswerEvent, Block, StopReason } from "./answer.ts";
import { emptyUsage } from "./answer.ts";
import { eventJson, type EventSourceMessage } from "./sse.ts";
import { fromMessagesUsage } from "./usage.ts";

type Json = Record<string, unknown>;

const STOPS = new Set([
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
]);

function stopReason(reason: unknown): StopReason {
  return STOPS.has(String(reason)) ? reason as StopReason : "end_turn";
}

/** A whole `message`. */
export function decodeMessage(json: Json): Answer {
  const blocks: Block[] = [];
  for (const b of (json.content as Json[] | undefined) ?? []) {
    if (b.type === "text") blocks.push({ type: "text", text: String(b.text ?? "") });
    else if (b.type === "thinking") {
      blocks.push({
        type: "reasoning",
        text: String(b.thinking ?? ""),
        signature: b.signature as string | undefined,
      });
    } else if (b.type === "tool_use" || b.type === "server_tool_use") {
      blocks.push({
        type: "tool_call",
        id: String(b.id ?? ""),
        name: String(b.name ?? ""),
        arguments: JSON.stringify(b.input ?? {}),
      });
    }
  }
  return {
    id: String(json.id ?? ""),
    model: String(json.model ?? ""),
    created: Math.floor(Date.now() / 1000),
    blocks,
    stop: stopReason(json.stop_reason),
    stopSequence: (json.stop_sequence as string | null) ?? null,
    usage: json.usage ? fromMessagesUsage(json.usage as Json) : emptyUsage(),
  };
}

/** A streamed message's SSE messages to neutral events. */
export function messagesStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  /** Usage arrives in parts (message_start, then message_delta): merged key by key. */
  const usage: Json = {};
  /** Anthropic block index → neutral tool index, for tool_use blocks. */
  const tools = new Map<number, number>();
  const merge = (u: unknown) => {
    for (const [k, v] of Object.entries((u ?? {}) as Json)) if (v !== null) usage[k] = v;
  };
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    transform(message, out) {
      const ev = eventJson(message);
      switch (ev.type ?? message.event) {
        case "message_start": {
          const m = (ev.message ?? {}) as Json;
          merge(m.usage);
          out.enqueue({ type: "usage", usage: fromMessagesUsage(usage) });
          out.enqueue({
            type: "start",
            id: String(m.id ?? ""),
            model: String(m.model ?? ""),
            created: Math.floor(Date.now() / 1000),
          });
          break;
        }
        case "content_block_start": {
          const b = (ev.content_block ?? {}) as Json;
          if (b.type === "tool_use" || b.type === "server_tool_use") {
            const index = tools.size;
            tools.set(Number(ev.index), index);
            out.enqueue({
              type: "tool_call",
              index,
              id: String(b.id ?? ""),
              name: String(b.name ?? ""),
            });
          } else if (b.type === "text" && b.text) {
            out.enqueue({ type: "text", text: String(b.text) });
          }
          break;
        }
        case "content_block_delta": {
          const d = (ev.delta ?? {}) as Json;
          if (d.type === "text_delta") out.enqueue({ type: "text", text: String(d.text ?? "") });
          else if (d.type === "thinking_delta") {
            out.enqueue({ type: "reasoning", text: String(d.thinking ?? "") });
          } else if (d.type === "signature_delta") {
            out.enqueue({ type: "signature", signature: String(d.signature ?? "") });
          } else if (d.type === "input_json_delta") {
            const index = tools.get(Number(ev.index));
            if (index !== undefined) {
              out.enqueue({ type: "tool_args", index, arguments: String(d.partial_json ?? "") });
            }
          }
          break;
        }
        case "message_delta": {
          merge(ev.usage);
          out.enqueue({ type: "usage", usage: fromMessagesUsage(usage) });
          const d = (ev.delta ?? {}) as Json;
          if (d.stop_reason) {
            out.enqueue({
              type: "finish",
              stop: stopReason(d.stop_reason),
              stopSequence: (d.stop_sequence as string | null) ?? null,
            });
          }
          break;
        }
        case "error": {
          const err = (ev.error ?? {}) as Json;
          throw new UpstreamFailure(
            "network",
            `upstream error mid-stream: ${err.message ?? JSON.stringify(err)}`,
          );
        }
      }
    },
  });
}
