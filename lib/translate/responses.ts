/**
 * The OpenAI Responses API for upstreams that do not speak it: requests as
 * chat-shaped requests (stateless: history replayed in `input`), answers as a
 * `response` object, streams as the documented event sequence built chunk by
 * chunk (https://platform.openai.com/docs/api-reference/responses-streaming).
 */
import { ProxyError } from "../errors.ts";
import type { Answer, AnswerEvent, Block, StopReason, Usage } from "./answer.ts";
import { emptyUsage, mergeUsage, newId } from "./answer.ts";
import type { Drop } from "./chat_messages.ts";
import { sse } from "./sse.ts";

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

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
  for (
    const k of [
      "include",
      "prompt_cache_key",
      "client_metadata",
      "truncation",
      "service_tier",
      "background",
    ]
  ) {
    if (body[k] !== undefined) drop(k);
  }
  return out;
}

/** Usage in the Responses API's shape. */
export function responsesUsage(u: Usage): Json {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.cache_read_tokens },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.total_tokens,
  };
}

function outputItem(b: Block, done: boolean): Json {
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
function responseObject(
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

/** Neutral events as the Responses API's stream: one output item per block, each opened, filled and closed. */
export function responsesStreamEncoder(request: Json): TransformStream<AnswerEvent, string> {
  type Out = TransformStreamDefaultController<string>;
  interface Filling {
    item: Json;
    text: string;
    kind: Block["type"];
  }
  let sequence = 0;
  let head = { id: newId("resp_"), model: "", created: 0 };
  const usage = emptyUsage();
  let stop: StopReason = "end_turn";
  const output: Json[] = [];
  let open: Filling | null = null;
  const tools = new Map<number, Filling>();

  const emit = (out: Out, type: string, data: Json) =>
    out.enqueue(sse(JSON.stringify({ type, sequence_number: sequence++, ...data }), type));
  const response = (status: string, withUsage: boolean) =>
    responseObject(
      head.id,
      head.model,
      head.created,
      request,
      status,
      output,
      withUsage ? usage : null,
      stop,
    );

  /** Finishes the item being filled: its `.done` events, then `output_item.done`. */
  const close = (out: Out) => {
    if (!open) return;
    const { item, text, kind } = open;
    const at = { item_id: item.id, output_index: output.indexOf(item) };
    if (kind === "text") {
      const part = { type: "output_text", text, annotations: [] };
      emit(out, "response.output_text.done", { ...at, content_index: 0, text, logprobs: [] });
      emit(out, "response.content_part.done", { ...at, content_index: 0, part });
      Object.assign(item, { status: "completed", content: [part] });
    } else if (kind === "reasoning") {
      const part = { type: "summary_text", text };
      emit(out, "response.reasoning_summary_text.done", { ...at, summary_index: 0, text });
      emit(out, "response.reasoning_summary_part.done", { ...at, summary_index: 0, part });
      item.summary = [part];
    } else {
      emit(out, "response.function_call_arguments.done", { ...at, arguments: text });
      Object.assign(item, { status: "completed", arguments: text });
    }
    emit(out, "response.output_item.done", { output_index: at.output_index, item });
    open = null;
  };

  /** Opens a new output item for a block of `kind`. */
  const start = (out: Out, block: Block): Filling => {
    close(out);
    const item = outputItem(block, false);
    output.push(item);
    const filling: Filling = { item, text: "", kind: block.type };
    open = filling;
    const at = { item_id: item.id, output_index: output.length - 1 };
    emit(out, "response.output_item.added", { output_index: at.output_index, item });
    if (block.type === "text") {
      emit(out, "response.content_part.added", {
        ...at,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      });
    } else if (block.type === "reasoning") {
      emit(out, "response.reasoning_summary_part.added", {
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    }
    return filling;
  };

  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      switch (ev.type) {
        case "start":
          head = { id: head.id, model: ev.model, created: ev.created };
          emit(out, "response.created", { response: response("in_progress", false) });
          emit(out, "response.in_progress", { response: response("in_progress", false) });
          break;
        case "text": {
          const f = open?.kind === "text" ? open : start(out, { type: "text", text: "" });
          f.text += ev.text;
          emit(out, "response.output_text.delta", {
            item_id: f.item.id,
            output_index: output.indexOf(f.item),
            content_index: 0,
            delta: ev.text,
            logprobs: [],
          });
          break;
        }
        case "reasoning": {
          const f = open?.kind === "reasoning" ? open : start(out, { type: "reasoning", text: "" });
          f.text += ev.text;
          emit(out, "response.reasoning_summary_text.delta", {
            item_id: f.item.id,
            output_index: output.indexOf(f.item),
            summary_index: 0,
            delta: ev.text,
          });
          break;
        }
        case "tool_call":
          tools.set(
            ev.index,
            start(out, { type: "tool_call", id: ev.id, name: ev.name, arguments: "" }),
          );
          break;
        case "tool_args": {
          const f = tools.get(ev.index);
          if (!f) break;
          f.text += ev.arguments;
          emit(out, "response.function_call_arguments.delta", {
            item_id: f.item.id,
            output_index: output.indexOf(f.item),
            delta: ev.arguments,
          });
          break;
        }
        case "usage":
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          stop = ev.stop;
          break;
        case "signature":
          break; // a reasoning summary has no place for it
      }
    },
    flush(out) {
      close(out);
      const status = stop === "max_tokens" ? "incomplete" : "completed";
      emit(out, `response.${status}`, { response: response(status, true) });
    },
  });
}
