/**
 * The exact bytes OpenAI and Anthropic send, field for field and event for
 * event as their APIs document them, for fake upstreams.
 */

export interface Tokens {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

const SSE = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const JSON_TYPE = { "content-type": "application/json", "openai-processing-ms": "12" };

const openAIUsage = (t: Tokens) => ({
  prompt_tokens: t.input,
  completion_tokens: t.output,
  total_tokens: t.input + t.output,
  prompt_tokens_details: { cached_tokens: t.cacheRead ?? 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/** A `chat.completion` of text as OpenAI sends it (pretty-printed, as a passthrough must keep it). */
export function openAIChatJSON(
  text: string,
  t: Tokens = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
): string {
  return openAIChatMessage([{ text: [text] }], t, model);
}

/**
 * A piece of an answer for the builders: text, a tool call (with Gemini's
 * thought signature), reasoning (signed, for Anthropic and OpenRouter),
 * redacted reasoning, or an OpenAI refusal.
 */
export type Part =
  | { text: string[] }
  | { tool: { id: string; name: string; args: string[]; signature?: string } }
  | { thinking: string[]; signature?: string }
  | { redacted: string }
  | { refusal: string[] };

/** How an OpenAI-compatible server writes reasoning: DeepSeek's field, or OpenRouter's details. */
export type ReasoningDialect = "reasoning_content" | "openrouter";

/** OpenRouter's name for the format of Anthropic-signed reasoning details. */
const SIGNED = "anthropic-claude-v1";

/** One reasoning part as the delta fields of `dialect`, piece by piece, the signature last. */
function reasoningDeltas(
  p: { thinking: string[]; signature?: string },
  dialect: ReasoningDialect,
): Record<string, unknown>[] {
  if (dialect === "reasoning_content") return p.thinking.map((r) => ({ reasoning_content: r }));
  const detail = (
    d: Record<string, unknown>,
  ) => [{ type: "reasoning.text", format: SIGNED, index: 0, ...d }];
  const deltas: Record<string, unknown>[] = p.thinking.map((r) => ({
    reasoning: r,
    reasoning_details: detail({ text: r }),
  }));
  if (p.signature) {
    deltas.push({ reasoning: "", reasoning_details: detail({ signature: p.signature }) });
  }
  return deltas;
}

/** A tool call as chat's `tool_calls` entry, Gemini's thought signature on it. */
function chatCall(tool: { id: string; name: string; signature?: string }, args: string) {
  return {
    id: tool.id,
    type: "function",
    function: { name: tool.name, arguments: args },
    ...(tool.signature ? { extra_content: { google: { thought_signature: tool.signature } } } : {}),
  };
}

/** A whole `chat.completion` of any parts, reasoning as `dialect` writes it. */
export function openAIChatMessage(
  parts: Part[],
  t: Tokens = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
  dialect: ReasoningDialect = "reasoning_content",
  finish?: string,
): string {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: null,
    refusal: null,
    annotations: [],
  };
  const calls: unknown[] = [];
  const details: unknown[] = [];
  for (const p of parts) {
    if ("text" in p) message.content = ((message.content as string) ?? "") + p.text.join("");
    else if ("refusal" in p) message.refusal = p.refusal.join("");
    else if ("tool" in p) calls.push(chatCall(p.tool, p.tool.args.join("")));
    else if ("thinking" in p) {
      const text = p.thinking.join("");
      if (dialect === "reasoning_content") message.reasoning_content = text;
      else {
        message.reasoning = text;
        details.push({
          type: "reasoning.text",
          text,
          signature: p.signature,
          format: SIGNED,
          index: 0,
        });
      }
    } else {details.push({
        type: "reasoning.encrypted",
        data: p.redacted,
        format: SIGNED,
        index: 1,
      });}
  }
  if (calls.length) message.tool_calls = calls;
  if (details.length) message.reasoning_details = details;
  return JSON.stringify(
    {
      id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
      object: "chat.completion",
      created: 1741570283,
      model,
      choices: [{
        index: 0,
        message,
        logprobs: null,
        finish_reason: finish ?? (calls.length ? "tool_calls" : "stop"),
      }],
      usage: openAIUsage(t),
      service_tier: "default",
      system_fingerprint: "fp_fc9f1d7035",
    },
    null,
    2,
  );
}

/** The SSE events of a streamed chat completion with text, tool calls and reasoning (`reasoning_content`). */
export function openAIStream(
  parts: Part[],
  t: Tokens | null = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
  dialect: ReasoningDialect = "reasoning_content",
  finish?: string,
): string[] {
  const head = {
    id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    object: "chat.completion.chunk",
    created: 1741570283,
    model,
    service_tier: "default",
    system_fingerprint: "fp_fc9f1d7035",
  };
  const usageField = t ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${
      JSON.stringify({
        ...head,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...usageField,
      })
    }\n\n`;
  const events = [chunk({ role: "assistant", content: "", refusal: null }, null)];
  let calls = 0;
  for (const p of parts) {
    if ("text" in p) { for (const content of p.text) events.push(chunk({ content }, null)); }
    else if ("refusal" in p) {
      for (const refusal of p.refusal) events.push(chunk({ refusal }, null));
    } else if ("thinking" in p) {
      for (const delta of reasoningDeltas(p, dialect)) events.push(chunk(delta, null));
    } else if ("redacted" in p) {
      const detail = { type: "reasoning.encrypted", data: p.redacted, format: SIGNED, index: 1 };
      events.push(chunk({ reasoning_details: [detail] }, null));
    } else {
      const index = calls++;
      events.push(chunk({ tool_calls: [{ index, ...chatCall(p.tool, "") }] }, null));
      for (const a of p.tool.args) {
        events.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }, null));
      }
    }
  }
  events.push(chunk({}, finish ?? (calls ? "tool_calls" : "stop")));
  if (t) {
    events.push(`data: ${JSON.stringify({ ...head, choices: [], usage: openAIUsage(t) })}\n\n`);
  }
  events.push("data: [DONE]\n\n");
  return events;
}

/** The SSE events of a streamed chat completion of plain text. */
export function openAIChatEvents(
  pieces: string[],
  t: Tokens | null = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
): string[] {
  return openAIStream([{ text: pieces }], t, model);
}

/** Anthropic's usage object; a stream's `message_start` reports 1 output token so far. */
const anthropicUsage = (t: Tokens, output: number) => ({
  input_tokens: t.input,
  cache_creation_input_tokens: t.cacheWrite ?? 0,
  cache_read_input_tokens: t.cacheRead ?? 0,
  cache_creation: { ephemeral_5m_input_tokens: t.cacheWrite ?? 0, ephemeral_1h_input_tokens: 0 },
  output_tokens: output,
  service_tier: "standard",
});

/** An Anthropic error body (`{"type":"error","error":{…}}`). */
export function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

/** Parts as the content blocks of an Anthropic message. */
function anthropicBlocks(parts: Part[]): Record<string, unknown>[] {
  return parts.map((p) => {
    if ("text" in p) return { type: "text", text: p.text.join("") };
    if ("thinking" in p) {
      return { type: "thinking", thinking: p.thinking.join(""), signature: p.signature ?? "sig" };
    }
    if ("redacted" in p) return { type: "redacted_thinking", data: p.redacted };
    if ("tool" in p) {
      return {
        type: "tool_use",
        id: p.tool.id,
        name: p.tool.name,
        input: JSON.parse(p.tool.args.join("")),
      };
    }
    throw new Error("Anthropic has no refusal block");
  });
}

/** A whole Anthropic `message` of any parts. */
export function anthropicMessage(
  parts: Part[],
  t: Tokens = { input: 21, output: 9 },
  model = "claude-sonnet-4-5-20250929",
  stop?: string,
): string {
  const tools = parts.some((p) => "tool" in p);
  return JSON.stringify({
    id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
    type: "message",
    role: "assistant",
    model,
    content: anthropicBlocks(parts),
    stop_reason: stop ?? (tools ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: anthropicUsage(t, t.output),
  });
}

/** An Anthropic `message` as the Messages API sends it. */
export function anthropicJSON(
  text: string,
  t: Tokens = { input: 21, output: 9 },
  model = "claude-sonnet-4-5-20250929",
): string {
  return JSON.stringify({
    id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: anthropicUsage(t, t.output),
  });
}

/** The SSE events of a streamed Anthropic message with text, tool_use and thinking blocks. */
export function anthropicStream(
  parts: Part[],
  t: Tokens = { input: 21, output: 9 },
  model = "claude-sonnet-4-5-20250929",
  stop?: string,
): string[] {
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [
    ev("message_start", {
      message: {
        id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(t, 1),
      },
    }),
  ];
  let tools = false;
  parts.forEach((p, index) => {
    if ("text" in p) {
      events.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
      if (index === 0) events.push(ev("ping", {}));
      for (const text of p.text) {
        events.push(ev("content_block_delta", { index, delta: { type: "text_delta", text } }));
      }
    } else if ("thinking" in p) {
      events.push(
        ev("content_block_start", {
          index,
          content_block: { type: "thinking", thinking: "", signature: "" },
        }),
      );
      for (const thinking of p.thinking) {
        events.push(
          ev("content_block_delta", { index, delta: { type: "thinking_delta", thinking } }),
        );
      }
      events.push(
        ev("content_block_delta", {
          index,
          delta: { type: "signature_delta", signature: p.signature ?? "sig" },
        }),
      );
    } else if ("redacted" in p) {
      const content_block = { type: "redacted_thinking", data: p.redacted };
      events.push(ev("content_block_start", { index, content_block }));
    } else if ("refusal" in p) {
      throw new Error("Anthropic has no refusal block");
    } else {
      tools = true;
      events.push(
        ev("content_block_start", {
          index,
          content_block: { type: "tool_use", id: p.tool.id, name: p.tool.name, input: {} },
        }),
      );
      for (const partial_json of ["", ...p.tool.args]) {
        events.push(
          ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } }),
        );
      }
    }
    events.push(ev("content_block_stop", { index }));
  });
  events.push(
    ev("message_delta", {
      delta: { stop_reason: stop ?? (tools ? "tool_use" : "end_turn"), stop_sequence: null },
      usage: { output_tokens: t.output },
    }),
    ev("message_stop", {}),
  );
  return events;
}

/** The SSE events of a streamed Anthropic message of plain text. */
export function anthropicEvents(
  pieces: string[],
  t: Tokens = { input: 21, output: 9 },
  model = "claude-sonnet-4-5-20250929",
): string[] {
  return anthropicStream([{ text: pieces }], t, model);
}

/** Ollama's `/api/chat` NDJSON lines (content pieces, then the final line with counts). */
export function ollamaLines(
  pieces: string[],
  toolCalls: { name: string; arguments: Record<string, unknown> }[] = [],
  model = "llama3.2",
  thinking: string[] = [],
): string[] {
  const at = "2026-11-23T05:00:00.000000Z";
  const line = (message: Record<string, unknown>) =>
    JSON.stringify({
      model,
      created_at: at,
      message: { role: "assistant", content: "", ...message },
      done: false,
    });
  const lines = [
    ...thinking.map((t) => line({ thinking: t })),
    ...pieces.map((content) => line({ content })),
  ];
  if (toolCalls.length) lines.push(line({ tool_calls: toolCalls.map((f) => ({ function: f })) }));
  lines.push(JSON.stringify({
    model,
    created_at: at,
    message: { role: "assistant", content: "" },
    done_reason: "stop",
    done: true,
    total_duration: 4883583458,
    load_duration: 1334875,
    prompt_eval_count: 26,
    prompt_eval_duration: 342546000,
    eval_count: 7,
    eval_duration: 4535599000,
  }));
  return lines.map((l) => l + "\n");
}

/** A whole Ollama `/api/chat` answer. */
export function ollamaJSON(content: string, model = "llama3.2"): string {
  return ollamaMessage({ content }, model);
}

/** A whole Ollama `/api/chat` answer with any message fields (`thinking`, `tool_calls`). */
export function ollamaMessage(message: Record<string, unknown>, model = "llama3.2"): string {
  return JSON.stringify({
    model,
    created_at: "2026-11-23T05:00:00.000000Z",
    message: { role: "assistant", content: "", ...message },
    done_reason: "stop",
    done: true,
    total_duration: 4883583458,
    prompt_eval_count: 26,
    eval_count: 7,
  });
}

export function sseResponse(body: BodyInit, status = 200): Response {
  return new Response(body, { status, headers: SSE });
}

export function jsonResponse(
  body: string,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, { status, headers: { ...JSON_TYPE, ...headers } });
}

/** A Responses API `response` object as OpenAI sends it, with `output` items. */
function responseObject(status: string, output: unknown[], model: string): Record<string, unknown> {
  return {
    id: "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
    object: "response",
    created_at: 1741476542,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: status === "completed"
      ? {
        input_tokens: 36,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 87,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 123,
      }
      : null,
    user: null,
    metadata: {},
  };
}

/** The output items of text and tool-call parts. */
function responsesItems(parts: Part[]): Record<string, unknown>[] {
  return parts.map((p, i) => {
    if ("tool" in p) {
      return {
        type: "function_call",
        id: `fc_${i}`,
        call_id: p.tool.id,
        name: p.tool.name,
        arguments: p.tool.args.join(""),
        status: "completed",
      };
    }
    const text = "text" in p ? p.text.join("") : "";
    return {
      type: "message",
      id: `msg_${i}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    };
  });
}

/** A whole Responses API answer of text and tool calls. */
export function responsesJSON(parts: Part[], model = "gpt-4.1-2025-04-14"): string {
  return JSON.stringify(responseObject("completed", responsesItems(parts), model));
}

/** The SSE events of a streamed Responses API answer of text and tool calls, numbered. */
export function responsesStream(parts: Part[], model = "gpt-4.1-2025-04-14"): string[] {
  let sequence = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const items = responsesItems(parts);
  const events = [
    ev("response.created", { response: responseObject("in_progress", [], model) }),
    ev("response.in_progress", { response: responseObject("in_progress", [], model) }),
  ];
  parts.forEach((p, output_index) => {
    const item = items[output_index];
    const at = { item_id: item.id, output_index };
    if ("tool" in p) {
      events.push(
        ev("response.output_item.added", {
          output_index,
          item: { ...item, arguments: "", status: "in_progress" },
        }),
      );
      for (const delta of p.tool.args) {
        events.push(ev("response.function_call_arguments.delta", { ...at, delta }));
      }
      events.push(
        ev("response.function_call_arguments.done", {
          ...at,
          name: p.tool.name,
          arguments: item.arguments,
        }),
      );
    } else {
      const pieces = "text" in p ? p.text : [];
      const part = { type: "output_text", text: "", annotations: [] };
      events.push(
        ev("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", content: [] },
        }),
      );
      events.push(ev("response.content_part.added", { ...at, content_index: 0, part }));
      for (const delta of pieces) {
        events.push(
          ev("response.output_text.delta", { ...at, content_index: 0, delta, logprobs: [] }),
        );
      }
      const text = pieces.join("");
      events.push(ev("response.output_text.done", { ...at, content_index: 0, text, logprobs: [] }));
      events.push(
        ev("response.content_part.done", { ...at, content_index: 0, part: { ...part, text } }),
      );
    }
    events.push(ev("response.output_item.done", { output_index, item }));
  });
  events.push(ev("response.completed", { response: responseObject("completed", items, model) }));
  return events;
}
