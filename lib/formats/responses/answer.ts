/**
 * Responses API answers written from the neutral answer: the `response`
 * object, and the output items a stream builds one by one.
 */
import type { Answer, Block, StopReason, Usage } from "../neutral.ts";
import { newId } from "../neutral.ts";
import type { Json } from "../json.ts";
import { responsesUsage } from "./usage.ts";

export function outputItem(b: Block, done: boolean): Json {
  const status = done ? "completed" : "in_progress";
  switch (b.type) {
    case "reasoning":
      return {
        type: "reasoning",
        id: newId("rs_"),
        summary: done ? [{ type: "summary_text", text: b.text }] : [],
      };
    case "text":
      return {
        type: "message",
        id: newId("msg_"),
        status,
        role: "assistant",
        content: done ? [{ type: "output_text", text: b.text, annotations: [] }] : [],
      };
    case "tool_call":
      return {
        type: "function_call",
        id: newId("fc_"),
        call_id: b.id,
        name: b.name,
        arguments: done ? b.arguments : "",
        status,
      };
  }
}

/** The `response` object around `output`, as the API reports it at each stage. */
export function responseObject(
  id: string,
  model: string,
  created: number,
  request: Json,
  status: string,
  output: Json[],
  usage: Usage | null,
  stop?: StopReason,
): Json {
  return {
    id,
    object: "response",
    created_at: created,
    status,
    error: null,
    incomplete_details: stop === "max_tokens" ? { reason: "max_output_tokens" } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: (request.reasoning as Json | undefined)?.effort ?? null, summary: null },
    store: false,
    temperature: request.temperature ?? 1,
    text: request.text ?? { format: { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    usage: usage ? responsesUsage(usage) : null,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

/** A whole answer as a `response` object. */
export function encodeResponse(answer: Answer, request: Json): Json {
  const status = answer.stop === "max_tokens" ? "incomplete" : "completed";
  return responseObject(
    newId("resp_"),
    answer.model,
    answer.created,
    request,
    status,
    answer.blocks.map((b) => outputItem(b, true)),
    answer.usage,
    answer.stop,
  );
}
