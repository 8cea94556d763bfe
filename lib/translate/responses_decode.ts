/**
 * The Responses API's stream read into neutral events, for answers that are
 * rewritten or logged on their way through (plain pass-through never decodes).
 */
import { UpstreamFailure } from "../providers/types.ts";
import type { AnswerEvent } from "./answer.ts";
import { eventJson, type EventSourceMessage } from "./sse.ts";
import { fromResponsesUsage } from "./usage.ts";

type Json = Record<string, unknown>;

export function responsesStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  /** output_index → neutral tool index, for function_call items. */
  const tools = new Map<number, number>();
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    transform(message, out) {
      const ev = eventJson(message);
      const response = (ev.response ?? {}) as Json;
      switch (ev.type) {
        case "response.created":
          out.enqueue({
            type: "start",
            id: String(response.id ?? ""),
            model: String(response.model ?? ""),
            created: Number(response.created_at ?? 0),
          });
          break;
        case "response.output_text.delta":
          out.enqueue({ type: "text", text: String(ev.delta ?? "") });
          break;
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          out.enqueue({ type: "reasoning", text: String(ev.delta ?? "") });
          break;
        case "response.output_item.added": {
          const item = (ev.item ?? {}) as Json;
          if (item.type !== "function_call") break;
          const index = tools.size;
          tools.set(Number(ev.output_index), index);
          out.enqueue({
            type: "tool_call",
            index,
            id: String(item.call_id ?? ""),
            name: String(item.name ?? ""),
          });
          break;
        }
        case "response.function_call_arguments.delta": {
          const index = tools.get(Number(ev.output_index));
          if (index !== undefined) {
            out.enqueue({ type: "tool_args", index, arguments: String(ev.delta ?? "") });
          }
          break;
        }
        case "response.completed":
        case "response.incomplete": {
          if (response.usage) {
            out.enqueue({ type: "usage", usage: fromResponsesUsage(response.usage as Json) });
          }
          const stop = ev.type === "response.incomplete"
            ? "max_tokens"
            : tools.size
            ? "tool_use"
            : "end_turn";
          out.enqueue({ type: "finish", stop });
          break;
        }
        case "response.failed":
        case "error": {
          const err = (response.error ?? ev) as Json;
          throw new UpstreamFailure(
            "network",
            `upstream error mid-stream: ${err.message ?? JSON.stringify(err)}`,
          );
        }
      }
    },
  });
}
