/**
 * Anthropic message streams (`message_start`, `content_block_start/delta/stop`
 * per block, `message_delta`, `message_stop`;
 * https://docs.anthropic.com/en/api/messages-streaming) read into neutral
 * events and written from them.
 */
import type { AnswerEvent, StopReason } from "../neutral.ts";
import { emptyUsage, mergeUsage, ToolIndexes } from "../neutral.ts";
import { eventJson, type EventSourceMessage } from "../sse.ts";
import type { Json } from "../json.ts";
import { cutShort, midStreamError } from "../../errors.ts";
import { carrySignature, messageId, STOP_REASON, stopReason } from "./answer.ts";
import { fromMessagesUsage, messagesUsage } from "./usage.ts";

/**
 * A streamed message's SSE messages to neutral events; one that ends before
 * `message_stop` is a failure. Server tool blocks (web search…) ran at
 * Anthropic and stay out, as in a whole answer.
 */
export function messagesStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  /** Usage arrives in parts (message_start, then message_delta): merged key by key. */
  const usage: Json = {};
  /** Anthropic block index → neutral tool index, for tool_use blocks. */
  const tools = new ToolIndexes();
  let stopped = false;
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
          if (b.type === "tool_use") {
            out.enqueue(tools.open(Number(ev.index), String(b.id ?? ""), String(b.name ?? "")));
          } else if (b.type === "text" && b.text) {
            out.enqueue({ type: "text", text: String(b.text) });
          } else if (b.type === "redacted_thinking") {
            out.enqueue({ type: "redacted_reasoning", data: String(b.data ?? "") });
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
            const index = tools.of(Number(ev.index));
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
        case "message_stop":
          stopped = true;
          break;
        case "error":
          throw midStreamError(ev.error ?? ev);
      }
    },
    flush() {
      if (!stopped) throw cutShort("message_stop");
    },
  });
}

const sse = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

type Open = "text" | "thinking" | "tool_use" | null;

/**
 * Neutral events to Anthropic SSE text; blocks are opened and closed as the
 * kind of content changes. `promptTokens` is what `message_start` reports
 * before the upstream has said (the exact count follows in `message_delta`).
 */
export function messagesStreamEncoder(promptTokens = 0): TransformStream<AnswerEvent, string> {
  const usage = emptyUsage();
  let stop: { reason: StopReason; sequence: string | null } = {
    reason: "end_turn",
    sequence: null,
  };
  let open: Open = null;
  let index = -1;
  /**
   * Closes the open block. A thinking block ends with its signature, as
   * Anthropic's always do: an unsigned one (DeepSeek's, Ollama's) with an
   * empty one, which clients keep and send back like any other.
   */
  let signed = false;
  const close = (out: TransformStreamDefaultController<string>) => {
    if (open === "thinking" && !signed) {
      out.enqueue(
        sse("content_block_delta", { index, delta: { type: "signature_delta", signature: "" } }),
      );
    }
    out.enqueue(sse("content_block_stop", { index }));
    open = null;
  };
  const toolBlocks = new Map<number, number>();
  let started = false;

  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      const openBlock = (kind: Open, block: Record<string, unknown>) => {
        if (open) close(out);
        open = kind;
        signed = false;
        index++;
        out.enqueue(sse("content_block_start", { index, content_block: block }));
      };
      const delta = (at: number, d: Record<string, unknown>) =>
        out.enqueue(sse("content_block_delta", { index: at, delta: d }));

      switch (ev.type) {
        case "start":
          started = true;
          out.enqueue(sse("message_start", {
            message: {
              id: messageId(ev.id),
              type: "message",
              role: "assistant",
              model: ev.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: messagesUsage({
                ...usage,
                prompt_tokens: usage.prompt_tokens || promptTokens,
              }),
            },
          }));
          break;
        case "text":
        case "refusal":
          if (open !== "text") openBlock("text", { type: "text", text: "" });
          delta(index, { type: "text_delta", text: ev.text });
          break;
        case "reasoning":
          if (open !== "thinking") {
            openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
          }
          delta(index, { type: "thinking_delta", thinking: ev.text });
          break;
        case "signature":
          if (open !== "thinking") {
            openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
          }
          delta(index, { type: "signature_delta", signature: ev.signature });
          // A signature ends its thinking block: what follows is a block of its own.
          out.enqueue(sse("content_block_stop", { index }));
          open = null;
          break;
        case "redacted_reasoning":
          openBlock(null, { type: "redacted_thinking", data: ev.data });
          out.enqueue(sse("content_block_stop", { index }));
          break;
        case "tool_call":
          // Another provider's signature for the call rides in a thinking block just before it.
          if (ev.signature) {
            openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
            delta(index, {
              type: "signature_delta",
              signature: carrySignature(ev.id, ev.signature),
            });
            signed = true;
          }
          openBlock("tool_use", { type: "tool_use", id: ev.id, name: ev.name, input: {} });
          toolBlocks.set(ev.index, index);
          break;
        case "tool_args": {
          const at = toolBlocks.get(ev.index);
          if (at !== undefined) delta(at, { type: "input_json_delta", partial_json: ev.arguments });
          break;
        }
        case "usage":
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          stop = { reason: ev.stop, sequence: ev.stopSequence ?? null };
          break;
      }
    },
    flush(out) {
      if (!started) return;
      if (open) close(out);
      out.enqueue(sse("message_delta", {
        delta: { stop_reason: STOP_REASON[stop.reason], stop_sequence: stop.sequence },
        usage: messagesUsage(usage),
      }));
      out.enqueue(sse("message_stop", {}));
    },
  });
}
