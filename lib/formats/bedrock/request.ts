/**
 * Amazon Bedrock's Converse requests from chat-shaped ones
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
 * `system` blocks, turns of content blocks (text, images as bytes, `toolUse`,
 * `toolResult` gathered into the next user turn), `inferenceConfig`, tools
 * as `toolSpec` with their JSON Schema, and `toolChoice`.
 */
import { asArray, type Drop, dropFields, type Json, parseArguments } from "../json.ts";
import { contentText } from "../text.ts";
import { alternatingTurns, contentParts, functionTools, namedTool, sampling } from "../turns.ts";

const FORMATS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const blocks = (content: unknown) =>
  contentParts(
    content,
    (mediaType, data) =>
      FORMATS[mediaType]
        ? { image: { format: FORMATS[mediaType], source: { bytes: data } } }
        : null,
    "an image by URL or of a type Bedrock does not take (png, jpeg, gif, webp)",
  );

export function chatToConverse(chat: Json, drop: Drop): Json {
  const system: Json[] = [];
  const { turns: messages, add } = alternatingTurns("content");
  for (const m of asArray(chat.messages)) {
    if (m.role === "system" || m.role === "developer") system.push(...blocks(m.content));
    else if (m.role === "user") add("user", blocks(m.content));
    else if (m.role === "tool") {
      add("user", [{
        toolResult: {
          toolUseId: String(m.tool_call_id),
          content: [{ text: contentText(m.content) }],
        },
      }]);
    } else if (m.role === "assistant") {
      if (typeof m.reasoning_content === "string" && m.reasoning_content) drop("reasoning_content");
      const calls = asArray(m.tool_calls).map((c) => {
        const fn = (c.function ?? {}) as Json;
        return {
          toolUse: { toolUseId: String(c.id), name: fn.name, input: parseArguments(fn.arguments) },
        };
      });
      add("assistant", [...blocks(m.content), ...calls]);
    }
  }
  const inference = sampling(chat);
  const out: Json = { messages };
  if (system.length) out.system = system;
  if (Object.keys(inference).length) out.inferenceConfig = inference;
  const tools = functionTools(chat, drop);
  const choice = chat.tool_choice as string | Json | undefined;
  if (tools.length && choice !== "none") {
    const named = namedTool(choice);
    out.toolConfig = {
      tools: tools.map(({ parameters, ...spec }) => ({
        toolSpec: {
          ...spec,
          inputSchema: { json: parameters ?? { type: "object", properties: {} } },
        },
      })),
      ...(named
        ? { toolChoice: { tool: { name: named } } }
        : choice === "required"
        ? { toolChoice: { any: {} } }
        : {}),
    };
  }
  dropFields(chat, [
    "n",
    "logprobs",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "response_format",
  ], drop);
  return out;
}
