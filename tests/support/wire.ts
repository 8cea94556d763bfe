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

/** A `chat.completion` as OpenAI sends it. */
export function openAIChatJSON(
  text: string,
  t: Tokens = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
): string {
  return JSON.stringify(
    {
      id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
      object: "chat.completion",
      created: 1741570283,
      model,
      choices: [{
        index: 0,
        message: { role: "assistant", content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      }],
      usage: {
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
      },
      service_tier: "default",
      system_fingerprint: "fp_fc9f1d7035",
    },
    null,
    2,
  );
}

/** The SSE events of a streamed chat completion, one string per event. */
export function openAIChatEvents(
  pieces: string[],
  t: Tokens | null = { input: 9, output: 12 },
  model = "gpt-4o-2024-08-06",
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
  for (const p of pieces) events.push(chunk({ content: p }, null));
  events.push(chunk({}, "stop"));
  if (t) {
    const usage = {
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
    };
    events.push(`data: ${JSON.stringify({ ...head, choices: [], usage })}\n\n`);
  }
  events.push("data: [DONE]\n\n");
  return events;
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
    usage: {
      input_tokens: t.input,
      cache_creation_input_tokens: t.cacheWrite ?? 0,
      cache_read_input_tokens: t.cacheRead ?? 0,
      cache_creation: {
        ephemeral_5m_input_tokens: t.cacheWrite ?? 0,
        ephemeral_1h_input_tokens: 0,
      },
      output_tokens: t.output,
      service_tier: "standard",
    },
  });
}

/** The SSE events of a streamed Anthropic message, one string per event. */
export function anthropicEvents(
  pieces: string[],
  t: Tokens = { input: 21, output: 9 },
  model = "claude-sonnet-4-5-20250929",
): string[] {
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    ev("message_start", {
      message: {
        id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: t.input,
          cache_creation_input_tokens: t.cacheWrite ?? 0,
          cache_read_input_tokens: t.cacheRead ?? 0,
          cache_creation: {
            ephemeral_5m_input_tokens: t.cacheWrite ?? 0,
            ephemeral_1h_input_tokens: 0,
          },
          output_tokens: 1,
          service_tier: "standard",
        },
      },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("ping", {}),
    ...pieces.map((text) =>
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } })
    ),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: t.output },
    }),
    ev("message_stop", {}),
  ];
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
