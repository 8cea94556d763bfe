/**
 * Upstreams that judge a request as the real APIs do: Anthropic's Messages
 * API and the OpenAI-compatible dialects (OpenAI, DeepSeek, OpenRouter in
 * front of Claude, Gemini's OpenAI endpoint). Each refuses what its real
 * counterpart refuses, in its words (the texts are the real APIs' error
 * messages), and plays one tool conversation: reasoning and a call to
 * `get_weather` first, the weather once the tool's result came back.
 */
import { type FakeUpstream, fakeUpstream, type Received } from "./upstream.ts";
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  openAIChatMessage,
  openAIStream,
  type Part,
  type ReasoningDialect,
  sseResponse,
} from "./wire.ts";

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

export const THOUGHT = "The user wants the weather in Paris: I should call get_weather.";
export const ANSWER = "It is sunny in Paris.";
export const WEATHER = '{"city":"Paris"}';

/** Anthropic signs each thinking block; the signature proves the text came back unchanged. */
export const signatureOf = (thinking: string): string => `EqQBCkYIBRgCKkB${btoa(thinking)}`;
/** Gemini's thought signature for a call, opaque to everyone else. */
export const GEMINI_SIGNATURE = "CiQBcsjafG1hYmVsLXRob3VnaHQtc2lnbmF0dXJlLTAx";
export const REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP";

/** True when the conversation is back with a tool's result: the weather is the answer. */
function toolAnswered(messages: Json[]): boolean {
  const last = messages.at(-1);
  if (!last) return false;
  // A chat image that follows a tool message belongs to the tool's answer.
  if (last.role === "tool" || messages.at(-2)?.role === "tool") return true;
  return last.role === "user" && asArray(last.content).some((b) => b.type === "tool_result");
}

const HEADERS = { "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy" };

// ---------------------------------------------------------------- Anthropic

const THINKING_FIRST =
  "Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

const USER_BLOCKS = new Set(["text", "image", "document", "tool_result", "search_result"]);
const ASSISTANT_BLOCKS = new Set([
  "text",
  "thinking",
  "redacted_thinking",
  "tool_use",
  "server_tool_use",
  "web_search_tool_result",
]);
const RESULT_BLOCKS = new Set(["text", "image", "document", "search_result"]);

/** What the Messages API refuses in `body`, in its words; null when it takes it. */
export function anthropicRefusal(body: Json): string | null {
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  const thinking = body.thinking as Json | undefined;
  const thinks = thinking?.type === "enabled" || thinking?.type === "adaptive";
  const choice = body.tool_choice as Json | undefined;
  if (choice?.type === "none" && "disable_parallel_tool_use" in choice) {
    return "tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted";
  }
  if (thinks && (choice?.type === "any" || choice?.type === "tool")) {
    return "Thinking may not be enabled when tool_choice forces tool use.";
  }
  if (thinking?.type === "enabled") {
    if (Number(thinking.budget_tokens) >= body.max_tokens) {
      return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      return "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking";
    }
  }
  const messages = asArray(body.messages);
  for (const [i, m] of messages.entries()) {
    if (i > 0 && messages[i - 1].role === m.role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`;
    }
    const allowed = m.role === "assistant" ? ASSISTANT_BLOCKS : USER_BLOCKS;
    for (const [j, b] of asArray(m.content).entries()) {
      if (!allowed.has(String(b.type))) {
        return `messages.${i}.content.${j}.type: Input tag '${b.type}' found using 'type' does not match any of the expected tags`;
      }
      if (b.type === "thinking" && b.signature !== signatureOf(String(b.thinking))) {
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
      if (b.type === "tool_result" && Array.isArray(b.content)) {
        for (const [k, c] of b.content.entries()) {
          if (!RESULT_BLOCKS.has(String(c.type))) {
            return `messages.${i}.content.${j}.content.${k}.type: Input tag '${c.type}' found using 'type' does not match any of the expected tags`;
          }
        }
      }
    }
  }
  // In a tool loop the assistant turn being answered must start with its thinking.
  const last = messages.findLastIndex((m) => m.role === "assistant");
  if (thinks && last >= 0 && toolAnswered(messages)) {
    const first = asArray(messages[last].content)[0];
    if (first && first.type !== "thinking" && first.type !== "redacted_thinking") {
      return `messages.${last}.content.0.type: ${
        THINKING_FIRST.replace("`tool_use`", `\`${first.type}\``)
      }`;
    }
  }
  return null;
}

/** The parts of Anthropic's answer: thinking (signed) when asked, then the call or the weather. */
function anthropicParts(body: Json, redacted: boolean): Part[] {
  const thinking = body.thinking as Json | undefined;
  const thinks = thinking?.type === "enabled" || thinking?.type === "adaptive";
  const parts: Part[] = [];
  if (thinks) {
    parts.push({
      thinking: [THOUGHT.slice(0, 20), THOUGHT.slice(20)],
      signature: signatureOf(THOUGHT),
    });
    if (redacted) parts.push({ redacted: REDACTED });
  }
  if (toolAnswered(asArray(body.messages))) parts.push({ text: ["It is sunny", " in Paris."] });
  else {parts.push({
      tool: {
        id: "toolu_01A09q90qw90lq917835lq9",
        name: "get_weather",
        args: ['{"city"', ':"Paris"}'],
      },
    });}
  return parts;
}

/** Anthropic's Messages API: refuses as it does, answers the tool conversation, streamed or not. */
export function anthropicAPI(options: { redacted?: boolean } = {}): FakeUpstream {
  return fakeUpstream((r: Received) => {
    const refusal = anthropicRefusal(r.json);
    if (refusal) {
      return jsonResponse(anthropicError("invalid_request_error", refusal), 400, HEADERS);
    }
    const parts = anthropicParts(r.json, options.redacted === true);
    return r.json.stream
      ? sseResponse(anthropicStream(parts).join(""))
      : jsonResponse(anthropicMessage(parts), 200, HEADERS);
  });
}

// ------------------------------------------------------- OpenAI-compatible

/** The OpenAI-compatible servers the tests meet, each with its own rules. */
export type ChatDialect = "openai" | "deepseek" | "openrouter" | "gemini";

const openAIError = (message: string, param: string | null = null, code: string | null = null) =>
  JSON.stringify({ error: { message, type: "invalid_request_error", param, code } });

/** What `dialect` refuses in `body`, as its error body; null when it takes it. */
export function chatRefusal(dialect: ChatDialect, body: Json): string | null {
  const model = String(body.model);
  const messages = asArray(body.messages);
  if ("max_tokens" in body && /^(o\d|gpt-5)/.test(model)) {
    return openAIError(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      "max_tokens",
      "unsupported_parameter",
    );
  }
  const answered = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (m.role === "tool") {
      if (!answered.has(String(m.tool_call_id))) {
        return openAIError(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      if (typeof m.content !== "string" && asArray(m.content).some((p) => p.type !== "text")) {
        return openAIError(
          `Invalid 'messages[${i}]'. Content of a message with role 'tool' must be text.`,
          `messages[${i}]`,
          "invalid_value",
        );
      }
    }
    if (m.role !== "assistant") continue;
    for (const call of asArray(m.tool_calls)) answered.add(String(call.id));
    if (dialect === "deepseek" && typeof m.reasoning_content !== "string") {
      return openAIError(
        "The `reasoning_content` in the thinking mode must be passed back to the API.",
      );
    }
    if (dialect === "openrouter" && asArray(m.tool_calls).length) {
      const signed = asArray(m.reasoning_details).some((d) =>
        d.signature === signatureOf(String(d.text))
      );
      if (!signed) {
        const raw = anthropicError(
          "invalid_request_error",
          `messages.${i}.content.0.type: ${THINKING_FIRST}`,
        );
        return JSON.stringify({
          error: {
            message: "Provider returned error",
            code: 400,
            metadata: { raw, provider_name: "Anthropic" },
          },
        });
      }
    }
    if (dialect === "gemini") {
      for (const [k, call] of asArray(m.tool_calls).entries()) {
        const google = ((call.extra_content as Json | undefined)?.google ?? {}) as Json;
        if (google.thought_signature !== GEMINI_SIGNATURE) {
          return JSON.stringify([{
            error: {
              code: 400,
              message:
                `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${
                  (call.function as Json)?.name
                }\` , position ${
                  k + 1
                }. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
              status: "INVALID_ARGUMENT",
            },
          }]);
        }
      }
    }
  }
  return null;
}

/** The parts `dialect` answers with: its kind of reasoning, then the call or the weather. */
function chatParts(dialect: ChatDialect, body: Json): Part[] {
  const parts: Part[] = [];
  if (dialect === "deepseek") parts.push({ thinking: [THOUGHT.slice(0, 20), THOUGHT.slice(20)] });
  if (dialect === "openrouter") {
    parts.push({
      thinking: [THOUGHT.slice(0, 20), THOUGHT.slice(20)],
      signature: signatureOf(THOUGHT),
    });
  }
  if (toolAnswered(asArray(body.messages))) {
    return [...parts, { text: ["It is sunny", " in Paris."] }];
  }
  const signature = dialect === "gemini" ? GEMINI_SIGNATURE : undefined;
  return [...parts, {
    tool: { id: "call_w1", name: "get_weather", args: ['{"city"', ':"Paris"}'], signature },
  }];
}

/** An OpenAI-compatible server of `dialect`: refuses as it does, answers the tool conversation. */
export function chatAPI(dialect: ChatDialect): FakeUpstream {
  const reasoning: ReasoningDialect = dialect === "openrouter" ? "openrouter" : "reasoning_content";
  return fakeUpstream((r: Received) => {
    const refusal = chatRefusal(dialect, r.json);
    if (refusal) return jsonResponse(refusal, 400);
    const parts = chatParts(dialect, r.json);
    const model = String(r.json.model);
    return r.json.stream
      ? sseResponse(openAIStream(parts, { input: 40, output: 20 }, model, reasoning).join(""))
      : jsonResponse(openAIChatMessage(parts, { input: 40, output: 20 }, model, reasoning));
  });
}

/** The weather tool in each client's words. */
export const WEATHER_TOOL = {
  name: "get_weather",
  description: "Weather for a city",
  parameters: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};
