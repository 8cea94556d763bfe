/** OpenAI chat completions as the bench's fake upstreams send them: whole answers and stream events. */

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The fields every chunk and answer of one fake model shares (and any others it adds). */
export interface ChatHead {
  id: string;
  created: number;
  model: string;
  [field: string]: unknown;
}

/** One `chat.completion.chunk` SSE event. */
export function chatChunk(head: ChatHead, delta: object, finish: string | null): string {
  const choices = [{ index: 0, delta, logprobs: null, finish_reason: finish }];
  return `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", choices })}\n\n`;
}

/** The usage chunk a stream ends with when asked (`stream_options.include_usage`). */
export function chatUsageChunk(head: ChatHead, usage: ChatUsage): string {
  return `data: ${
    JSON.stringify({ ...head, object: "chat.completion.chunk", choices: [], usage })
  }\n\n`;
}

/** A whole `chat.completion` of `text`. */
export function chatCompletion(head: ChatHead, text: string, usage: ChatUsage): string {
  return JSON.stringify({
    ...head,
    object: "chat.completion",
    choices: [{
      index: 0,
      message: { role: "assistant", content: text, refusal: null },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage,
  });
}
