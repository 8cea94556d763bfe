/**
 * Neutral answers rendered as Anthropic messages: a whole `message`, or the SSE
 * sequence `message_start`, `content_block_start/delta/stop` per block,
 * `message_delta`, `message_stop` (https://docs.anthropic.com/en/api/messages-streaming).
 */
import type { Answer, AnswerEvent, Block } from "./answer.ts";
import { emptyUsage, mergeUsage } from "./answer.ts";
import { messagesUsage } from "./usage.ts";

/** Tool arguments as the object Anthropic wants; text that is not JSON is kept, wrapped. */
export function parseArguments(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    return JSON.parse(args);
  } catch {
    return { arguments: args };
  }
}

function contentBlock(b: Block): Record<string, unknown> {
  switch (b.type) {
    case "text":
      return { type: "text", text: b.text };
    case "reasoning":
      return { type: "thinking", thinking: b.text, signature: b.signature ?? "" };
    case "tool_call":
      return { type: "tool_use", id: b.id, name: b.name, input: parseArguments(b.arguments) };
  }
}

/** A whole answer as an Anthropic `message` object. */
export function encodeMessage(answer: Answer): Record<string, unknown> {
  return {
    id: answer.id,
    type: "message",
    role: "assistant",
    model: answer.model,
    content: answer.blocks.map(contentBlock),
    stop_reason: answer.stop,
    stop_sequence: answer.stopSequence,
    usage: messagesUsage(answer.usage),
  };
}

const sse = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** Neutral events to Anthropic SSE text; blocks are opened and closed as the kind of content changes. */
export function messagesStreamEncoder(): TransformStream<AnswerEvent, string> {
  const usage = emptyUsage();
  let stop: { reason: string; sequence: string | null } = { reason: "end_turn", sequence: null };
  let open: "text" | "thinking" | "tool_use" | null = null;
  let index = -1;
  const toolBlocks = new Map<number, number>();
  let started = false;

  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      const openBlock = (
        kind: "text" | "thinking" | "tool_use",
        block: Record<string, unknown>,
      ) => {
        if (open) out.enqueue(sse("content_block_stop", { index }));
        open = kind;
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
              id: ev.id,
              type: "message",
              role: "assistant",
              model: ev.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: messagesUsage(usage),
            },
          }));
          break;
        case "text":
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
          break;
        case "tool_call":
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
      if (open) out.enqueue(sse("content_block_stop", { index }));
      out.enqueue(sse("message_delta", {
        delta: { stop_reason: stop.reason, stop_sequence: stop.sequence },
        usage: messagesUsage(usage),
      }));
      out.enqueue(sse("message_stop", {}));
    },
  });
}
