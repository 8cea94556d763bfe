/** OpenAI chat completions: the chat shape itself, the one every translation goes through. */
import type { ClientFormat } from "../format.ts";
import { shapeCheck } from "../check.ts";
import { rewriteChatStream } from "./rewrite.ts";
import { sseMessages } from "../sse.ts";
import type { Json } from "../json.ts";
import { messageTexts } from "../text.ts";
import { decodeChatCompletion, encodeChatCompletion } from "./answer.ts";
import { chatStreamDecoder, chatStreamEncoder } from "./stream.ts";
import { fromChatUsage, stripUsageChunk } from "./usage.ts";
import { chatShape } from "./shape.ts";
import { chatInjector, companionSlot } from "./splice.ts";

export const chat: ClientFormat = {
  toChat: (body) => body,
  fromChat: (chat) => chat,
  decodeAnswer: decodeChatCompletion,
  encodeAnswer: encodeChatCompletion,
  decodeStream: (body, max) => sseMessages(body, max).pipeThrough(chatStreamDecoder()),
  streamEncoder: (request) =>
    chatStreamEncoder({
      includeUsage: (request.stream_options as Json | undefined)?.include_usage === true,
    }),
  usage: fromChatUsage,
  headerPrefix: "openai-",
  rewriteStream: rewriteChatStream,
  streamEnd: /data: \[DONE\]|"finish_reason":\s*"/,
  check: shapeCheck(chatShape),
  texts: (body) => messageTexts(body.messages),
  rewriteAnswer(json, rewrite) {
    // Chat's `message.content`, and legacy completions' `text`.
    for (const choice of (json.choices as Json[] | undefined) ?? []) {
      const message = choice.message as Json | undefined;
      if (typeof message?.content === "string") message.content = rewrite(message.content);
      if (typeof choice.text === "string") choice.text = rewrite(choice.text);
    }
  },
  companionSlot,
  injector: chatInjector,
  stripAddedUsage: stripUsageChunk,
  modelList: (names, owner) => ({
    object: "list",
    data: names.map((id) => ({ id, object: "model", created: 0, owned_by: owner(id) })),
  }),
};
