/**
 * Answers for Gemini's clients, from neutral ones: a `GenerateContentResponse`
 * whole, or its `streamGenerateContent?alt=sse` chunks. Thoughts go out only
 * when the request's `thinkingConfig.includeThoughts` asked for them (as
 * Gemini does); function calls keep their ids (Gemini's clients send them
 * back in the responses) and go out whole, each in one part; an answer that
 * calls functions finishes with `STOP`, as Gemini's own does.
 */
import type { Answer, AnswerEvent, Block, StopReason, Usage } from "../neutral.ts";
import { emptyUsage, mergeUsage } from "../neutral.ts";
import { type Json, parseArguments } from "../json.ts";

const FINISH: Partial<Record<StopReason, string>> = {
  max_tokens: "MAX_TOKENS",
  context_window: "MAX_TOKENS",
  content_filter: "SAFETY",
};

const finishReason = (stop: StopReason) => FINISH[stop] ?? "STOP";

/** Usage as Gemini counts it: thoughts apart from the candidates, cached input inside the prompt. */
export function usageMetadata(u: Usage): Json {
  const meta: Json = {
    promptTokenCount: u.prompt_tokens,
    candidatesTokenCount: u.completion_tokens - u.reasoning_tokens,
    totalTokenCount: u.total_tokens,
  };
  if (u.reasoning_tokens) meta.thoughtsTokenCount = u.reasoning_tokens;
  if (u.cache_read_tokens) meta.cachedContentTokenCount = u.cache_read_tokens;
  return meta;
}

/** Whether the client asked to see thoughts. */
function wantsThoughts(request: Json): boolean {
  const config = (request.generationConfig ?? {}) as Json;
  return (config.thinkingConfig as Json | undefined)?.includeThoughts === true;
}

function callPart(id: string, name: string, args: string, signature?: string): Json {
  const part: Json = { functionCall: { id, name, args: parseArguments(args) } };
  if (signature) part.thoughtSignature = signature;
  return part;
}

function blockPart(b: Block, thoughts: boolean): Json | null {
  switch (b.type) {
    case "text":
    case "refusal":
      return b.text ? { text: b.text } : null;
    case "reasoning":
      if (!thoughts || !b.text) return null;
      return b.signature
        ? { text: b.text, thought: true, thoughtSignature: b.signature }
        : { text: b.text, thought: true };
    case "tool_call":
      return callPart(b.id, b.name, b.arguments, b.signature);
    case "redacted_reasoning":
      return null;
  }
}

function response(id: string, model: string, candidate: Json, usage?: Usage): Json {
  const out: Json = { candidates: [{ ...candidate, index: 0 }] };
  if (usage) out.usageMetadata = usageMetadata(usage);
  out.modelVersion = model;
  out.responseId = id;
  return out;
}

export function encodeGeminiAnswer(answer: Answer, request: Json): Json {
  const thoughts = wantsThoughts(request);
  const parts = answer.blocks.map((b) => blockPart(b, thoughts)).filter((p) => p !== null);
  return response(answer.id, answer.model, {
    content: { role: "model", parts },
    finishReason: finishReason(answer.stop),
  }, answer.usage);
}

/** Neutral events as Gemini's SSE chunks: text as it comes, each function call once it is whole. */
export function geminiStreamEncoder(request: Json): TransformStream<AnswerEvent, string> {
  const thoughts = wantsThoughts(request);
  let id = "";
  let model = "";
  const usage = emptyUsage();
  let sawUsage = false;
  let stop: StopReason | undefined;
  /** Calls being streamed, by index: they go out whole, at the end. */
  const calls = new Map<number, { id: string; name: string; args: string; signature?: string }>();
  const chunk = (candidate: Json, withUsage = false) =>
    `data: ${
      JSON.stringify(response(id, model, candidate, withUsage ? usage : undefined))
    }\r\n\r\n`;
  const parts = (list: Json[]) => ({ content: { role: "model", parts: list } });
  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      switch (ev.type) {
        case "start":
          id = ev.id;
          model = ev.model;
          break;
        case "text":
        case "refusal":
          if (ev.text) out.enqueue(chunk(parts([{ text: ev.text }])));
          break;
        case "reasoning":
          if (thoughts && ev.text) out.enqueue(chunk(parts([{ text: ev.text, thought: true }])));
          break;
        case "tool_call":
          calls.set(ev.index, { id: ev.id, name: ev.name, args: "", signature: ev.signature });
          break;
        case "tool_args": {
          const call = calls.get(ev.index);
          if (call) call.args += ev.arguments;
          break;
        }
        case "usage":
          sawUsage = true;
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          stop = ev.stop;
          break;
      }
    },
    // The last chunk once everything is in: OpenAI's usage comes after its finish.
    flush(out) {
      if (stop === undefined) return;
      const candidate: Json = calls.size
        ? parts([...calls.values()].map((c) => callPart(c.id, c.name, c.args, c.signature)))
        : {};
      candidate.finishReason = finishReason(stop);
      out.enqueue(chunk(candidate, sawUsage));
    },
  });
}
