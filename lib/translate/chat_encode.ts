/**
 * Neutral answers rendered as OpenAI chat completions: a whole
 * `chat.completion`, or the `chat.completion.chunk` SSE sequence ending in
 * `data: [DONE]` (https://platform.openai.com/docs/api-reference/chat-streaming).
 */
import type { Answer, AnswerEvent, StopReason } from "./answer.ts";
import { emptyUsage, mergeUsage } from "./answer.ts";
import { chatUsage } from "./usage.ts";

const FINISH: Record<StopReason, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  content_filter: "content_filter",
  refusal: "content_filter",
};

export function chatFinishReason(stop: StopReason): string {
  return FINISH[stop];
}

/** A whole answer as a `chat.completion` object. */
export function encodeChatCompletion(answer: Answer): Record<string, unknown> {
  const text = answer.blocks.filter((b) => b.type === "text").map((b) => b.text).join("");
  const reasoning = answer.blocks.filter((b) => b.type === "reasoning").map((b) => b.text).join("");
  const calls = answer.blocks.filter((b) => b.type === "tool_call");
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    refusal: null,
    annotations: [],
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length > 0) {
    message.tool_calls = calls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: answer.id,
    object: "chat.completion",
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[answer.stop] }],
    usage: chatUsage(answer.usage),
    system_fingerprint: null,
  };
}

export interface ChatStreamOptions {
  /** The client asked for `stream_options.include_usage`: end with a usage chunk. */
  includeUsage: boolean;
}

/** Neutral events to OpenAI chat SSE text. */
export function chatStreamEncoder(
  options: ChatStreamOptions,
): TransformStream<AnswerEvent, string> {
  let head = { id: "", created: 0, model: "" };
  const usage = emptyUsage();
  let finished = false;
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${
      JSON.stringify({
        id: head.id,
        object: "chat.completion.chunk",
        created: head.created,
        model: head.model,
        system_fingerprint: null,
        choices,
        ...extra,
      })
    }\n\n`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    event([{ index: 0, delta, logprobs: null, finish_reason: finish }]);
  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      switch (ev.type) {
        case "start":
          head = { id: ev.id, created: ev.created, model: ev.model };
          out.enqueue(chunk({ role: "assistant", content: "", refusal: null }));
          break;
        case "text":
          out.enqueue(chunk({ content: ev.text }));
          break;
        case "reasoning":
          out.enqueue(chunk({ reasoning_content: ev.text }));
          break;
        case "signature":
          break; // OpenAI has no place for it
        case "tool_call":
          out.enqueue(chunk({
            tool_calls: [{
              index: ev.index,
              id: ev.id,
              type: "function",
              function: { name: ev.name, arguments: "" },
            }],
          }));
          break;
        case "tool_args":
          out.enqueue(
            chunk({ tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] }),
          );
          break;
        case "usage":
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          finished = true;
          out.enqueue(chunk({}, FINISH[ev.stop]));
          break;
      }
    },
    flush(out) {
      if (!finished) out.enqueue(chunk({}, "stop"));
      if (options.includeUsage) out.enqueue(event([], { usage: chatUsage(usage) }));
      out.enqueue("data: [DONE]\n\n");
    },
  });
}
