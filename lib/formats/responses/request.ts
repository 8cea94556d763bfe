/**
 * The OpenAI Responses API for upstreams that do not speak it: requests as
 * chat-shaped requests, stateless (history replayed in `input`).
 */
import { ProxyError } from "../../errors.ts";
import { asArray, type Drop, dropFields, type Json } from "../json.ts";

/** Input content parts as chat content parts. */
function chatParts(content: unknown, drop: Drop): string | Json[] {
  if (typeof content === "string") return content;
  const parts: Json[] = [];
  for (const p of asArray(content)) {
    if (p.type === "input_text" || p.type === "output_text" || p.type === "text") {
      parts.push({ type: "text", text: p.text });
    } else if (p.type === "input_image" && typeof p.image_url === "string") {
      parts.push({
        type: "image_url",
        image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) },
      });
    } else drop(`input part '${p.type}'`);
  }
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join("\n") : parts;
}

/** The last message, when it is an assistant's, to gather consecutive function calls into. */
function assistantTurn(messages: Json[]): Json {
  const last = messages.at(-1);
  if (last?.role === "assistant") return last;
  const turn: Json = { role: "assistant", content: null };
  messages.push(turn);
  return turn;
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
  for (const item of input) {
    const type = item.type ?? "message";
    if (type === "message") {
      const role = item.role === "developer" ? "system" : String(item.role);
      messages.push({ role, content: chatParts(item.content, drop) });
    } else if (type === "function_call") {
      const turn = assistantTurn(messages);
      const calls = (turn.tool_calls ??= []) as Json[];
      calls.push({
        id: item.call_id,
        type: "function",
        function: { name: item.name, arguments: item.arguments ?? "" },
      });
    } else if (type === "function_call_output") {
      const output = typeof item.output === "string" ? item.output : chatParts(item.output, drop);
      messages.push({
        role: "tool",
        tool_call_id: item.call_id,
        content: typeof output === "string" ? output : JSON.stringify(output),
      });
    } else drop(`input item '${type}'`);
  }

  const out: Json = { model: body.model, messages };
  if (body.max_output_tokens !== undefined) out.max_tokens = body.max_output_tokens;
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
      "include",
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
