/**
 * The OpenAI Responses API for upstreams that do not speak it: requests as
 * chat-shaped requests, stateless (history replayed in `input`).
 */
import { ProxyError } from "../../errors.ts";
import { untranslatable } from "../check.ts";
import { asArray, type Drop, dropFields, type Json } from "../json.ts";
import { maxTokensField, SIGNED_FORMAT } from "../chat/answer.ts";
import { unseal } from "./answer.ts";

/** Input content parts as chat content parts (a refusal replayed is the assistant's text). */
function chatParts(content: unknown): string | Json[] {
  if (typeof content === "string") return content;
  const parts = asArray(content).map((p): Json => {
    if (p.type === "input_text" || p.type === "output_text" || p.type === "text") {
      return { type: "text", text: p.text };
    }
    if (p.type === "refusal") return { type: "text", text: p.refusal };
    if (p.type === "input_image" && typeof p.image_url === "string") {
      return {
        type: "image_url",
        image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) },
      };
    }
    if (p.type === "input_file" && typeof p.file_data === "string") {
      return {
        type: "file",
        file: { filename: p.filename ?? "document.pdf", file_data: p.file_data },
      };
    }
    throw untranslatable(`an input part of type '${p.type}'`);
  });
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join("\n") : parts;
}

/** The last message, when it is an assistant's, to gather consecutive reasoning and calls into. */
function assistantTurn(messages: Json[]): Json {
  const last = messages.at(-1);
  if (last?.role === "assistant") return last;
  const turn: Json = { role: "assistant", content: null };
  messages.push(turn);
  return turn;
}

/** A replayed reasoning item: what it sealed for this turn goes on the assistant turn it belongs to. */
function replayReasoning(
  item: Json,
  messages: Json[],
  carried: Map<string, string>,
  drop: Drop,
): void {
  const sealed = unseal(item.encrypted_content);
  if (!sealed) return drop("a replayed reasoning item without switchyard's encrypted_content");
  if ("call" in sealed) return void carried.set(sealed.call, sealed.signature);
  const turn = assistantTurn(messages);
  const detail = (d: Json) => {
    const details = (turn.reasoning_details ??= []) as Json[];
    details.push({ ...d, format: SIGNED_FORMAT, index: details.length });
  };
  if ("redacted" in sealed) return detail({ type: "reasoning.encrypted", data: sealed.redacted });
  if (sealed.signature) {
    detail({ type: "reasoning.text", text: sealed.thinking, signature: sealed.signature });
  }
  turn.reasoning_content = String(turn.reasoning_content ?? "") + sealed.thinking;
}

/**
 * A tool's output: text as the tool message; images (which a chat tool
 * message cannot hold) follow it as a user message.
 */
function toolOutput(item: Json): Json[] {
  const output = typeof item.output === "string" ? item.output : chatParts(item.output);
  if (typeof output === "string") {
    return [{ role: "tool", tool_call_id: item.call_id, content: output }];
  }
  const text = output.filter((p) => p.type === "text").map((p) => p.text).join("\n");
  const rest = output.filter((p) => p.type !== "text");
  const tool = { role: "tool", tool_call_id: item.call_id, content: text };
  return rest.length ? [tool, { role: "user", content: rest }] : [tool];
}

/** A Responses API request as a chat completions request. */
export function responsesToChat(body: Json, drop: Drop): Json {
  if (body.previous_response_id) {
    throw new ProxyError(
      400,
      "previous_response_id needs an upstream that stores responses; this model is served by translation, which is stateless: send the history in `input` (store: false)",
      "previous_response_id_unsupported",
    );
  }
  const messages: Json[] = [];
  if (typeof body.instructions === "string" && body.instructions) {
    messages.push({ role: "system", content: body.instructions });
  }
  const input = typeof body.input === "string"
    ? [{ role: "user", content: body.input }]
    : asArray(body.input);
  /** Gemini thought signatures by call id, from reasoning items that carried them. */
  const carried = new Map<string, string>();
  for (const item of input) {
    const type = item.type ?? "message";
    if (type === "message") {
      const role = item.role === "developer" ? "system" : String(item.role);
      messages.push({ role, content: chatParts(item.content) });
    } else if (type === "reasoning") replayReasoning(item, messages, carried, drop);
    else if (type === "function_call") {
      const turn = assistantTurn(messages);
      const calls = (turn.tool_calls ??= []) as Json[];
      const call: Json = {
        id: item.call_id,
        type: "function",
        function: { name: item.name, arguments: item.arguments ?? "" },
      };
      const signature = carried.get(String(item.call_id));
      if (signature) call.extra_content = { google: { thought_signature: signature } };
      calls.push(call);
    } else if (type === "function_call_output") messages.push(...toolOutput(item));
    else drop(`input item '${type}'`);
  }

  const out: Json = { model: body.model, messages };
  if (body.max_output_tokens !== undefined) {
    out[maxTokensField(String(body.model))] = body.max_output_tokens;
  }
  for (const k of ["temperature", "top_p", "parallel_tool_calls", "user", "stream"]) {
    if (body[k] !== undefined) out[k] = body[k];
  }
  if (body.stream === true) out.stream_options = { include_usage: true };
  const tools = asArray(body.tools).filter((t) => {
    if (t.type === "function") return true;
    drop(`tool of type '${t.type}'`);
    return false;
  });
  if (tools.length) {
    out.tools = tools.map((t) => ({
      type: "function",
      function: {
        name: t.name,
        description: t.description,
        parameters: t.parameters,
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
    const choice = body.tool_choice as string | Json | undefined;
    if (typeof choice === "string") out.tool_choice = choice;
    else if (choice?.type === "function") {
      out.tool_choice = { type: "function", function: { name: choice.name } };
    }
  }
  const effort = (body.reasoning as Json | undefined)?.effort;
  if (typeof effort === "string") out.reasoning_effort = effort;
  const format = ((body.text as Json | undefined)?.format ?? undefined) as Json | undefined;
  if (format?.type === "json_schema") {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: format.name, schema: format.schema, strict: format.strict },
    };
  } else if (format?.type === "json_object") out.response_format = { type: "json_object" };
  dropFields(
    body,
    [
      "prompt_cache_key",
      "client_metadata",
      "truncation",
      "service_tier",
      "background",
    ],
    drop,
  );
  return out;
}
