/**
 * Responses API answers written from the neutral answer: the `response`
 * object, and the output items a stream builds one by one. Reasoning that
 * must come back on the next turn (Anthropic's signed or redacted thinking,
 * Gemini's thought signatures, DeepSeek's and Ollama's plain reasoning)
 * travels as the item's `encrypted_content`,
 * when the request asked for it (`include: ["reasoning.encrypted_content"]`,
 * as Codex does with `store: false`): switchyard's own sealed form, read back
 * by `request.ts`.
 */
import type { Answer, Block, StopReason, Usage } from "../neutral.ts";
import { newId } from "../neutral.ts";
import { asArray, type Json } from "../json.ts";
import { responsesUsage } from "./usage.ts";

/** What a reasoning item carries for the next turn: a signed thought, a redacted one, a call's signature. */
export type Sealed =
  | { thinking: string; signature: string }
  | { redacted: string }
  | { call: string; signature: string };

const SEAL = "sy1.";

export function seal(content: Sealed): string {
  return SEAL + btoa(JSON.stringify(content));
}

/** What an `encrypted_content` of ours carries; null for another provider's. */
export function unseal(encrypted: unknown): Sealed | null {
  if (typeof encrypted !== "string" || !encrypted.startsWith(SEAL)) return null;
  try {
    return JSON.parse(atob(encrypted.slice(SEAL.length)));
  } catch {
    return null;
  }
}

/** True when the request asked for reasoning it can send back (`include: ["reasoning.encrypted_content"]`). */
export function wantsSealed(request: Json): boolean {
  return asArray(request.include).some((i) => (i as unknown) === "reasoning.encrypted_content");
}

/** A reasoning block's sealed form, when it has one to keep. */
export function sealedOf(b: Block): string | undefined {
  // Unsigned reasoning too: DeepSeek and Ollama want their reasoning back on the next turn.
  if (b.type === "reasoning") return seal({ thinking: b.text, signature: b.signature ?? "" });
  if (b.type === "redacted_reasoning") return seal({ redacted: b.data });
  if (b.type === "tool_call" && b.signature) return seal({ call: b.id, signature: b.signature });
  return undefined;
}

/** The output items of one block: a tool call with a signature is preceded by the reasoning item carrying it. */
export function outputItems(b: Block, done: boolean, sealed: boolean): Json[] {
  const status = done ? "completed" : "in_progress";
  const carry = sealed ? sealedOf(b) : undefined;
  switch (b.type) {
    case "reasoning":
    case "redacted_reasoning": {
      const text = b.type === "reasoning" ? b.text : "";
      const item: Json = {
        type: "reasoning",
        id: newId("rs_"),
        summary: done && text ? [{ type: "summary_text", text }] : [],
      };
      if (carry) item.encrypted_content = carry;
      return [item];
    }
    case "text":
    case "refusal": {
      const part = b.type === "text"
        ? { type: "output_text", text: b.text, annotations: [] }
        : { type: "refusal", refusal: b.text };
      return [{
        type: "message",
        id: newId("msg_"),
        status,
        role: "assistant",
        content: done ? [part] : [],
      }];
    }
    case "tool_call": {
      const call = {
        type: "function_call",
        id: newId("fc_"),
        call_id: b.id,
        name: b.name,
        arguments: done ? b.arguments : "",
        status,
      };
      return carry
        ? [{ type: "reasoning", id: newId("rs_"), summary: [], encrypted_content: carry }, call]
        : [call];
    }
  }
}

/** The response's status and why it is incomplete, for a stop. */
export function completion(stop?: StopReason): { status: string; incomplete: Json | null } {
  if (stop === "max_tokens" || stop === "context_window") {
    return { status: "incomplete", incomplete: { reason: "max_output_tokens" } };
  }
  if (stop === "content_filter" || stop === "refusal") {
    return { status: "incomplete", incomplete: { reason: "content_filter" } };
  }
  return { status: "completed", incomplete: null };
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
    incomplete_details: status === "in_progress" ? null : completion(stop).incomplete,
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
  const sealed = wantsSealed(request);
  return responseObject(
    newId("resp_"),
    answer.model,
    answer.created,
    request,
    completion(answer.stop).status,
    answer.blocks.flatMap((b) => outputItems(b, true, sealed)),
    answer.usage,
    answer.stop,
  );
}
