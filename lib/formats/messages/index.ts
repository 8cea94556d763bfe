/** Anthropic's Messages API. */
import type { ClientFormat, TextSlot } from "../format.ts";
import { shapeCheck } from "../check.ts";
import { rewriteMessagesStream } from "./rewrite.ts";
import { sseMessages } from "../sse.ts";
import type { Json } from "../json.ts";
import { allPromptText, messageTexts } from "../text.ts";
import { estimateTokens } from "../neutral.ts";
import { decodeMessage, encodeMessage } from "./answer.ts";
import { chatToMessages } from "./from_chat.ts";
import { messagesToChat } from "./to_chat.ts";
import { messagesStreamDecoder, messagesStreamEncoder } from "./stream.ts";
import { fromMessagesUsage } from "./usage.ts";
import { messagesShape } from "./shape.ts";
import { companionSlot, messagesInjector } from "./splice.ts";

export const messages: ClientFormat = {
  toChat: messagesToChat,
  fromChat: chatToMessages,
  decodeAnswer: decodeMessage,
  encodeAnswer: encodeMessage,
  decodeStream: (body, max) => sseMessages(body, max).pipeThrough(messagesStreamDecoder()),
  // message_start reports the prompt's size before the upstream has (the exact count follows).
  streamEncoder: (request) => messagesStreamEncoder(estimateTokens(allPromptText(request))),
  usage: fromMessagesUsage,
  usageAtStart: true,
  headerPrefix: "anthropic-",
  rewriteStream: rewriteMessagesStream,
  streamEnd: /event: message_stop|"type":\s*"message_stop"/,
  check: shapeCheck(messagesShape),
  localTokenCount: (body) => ({
    input_tokens: estimateTokens(
      allPromptText(body) + (body.tools ? JSON.stringify(body.tools) : ""),
    ),
  }),
  *texts(body): Iterable<TextSlot> {
    if (body.system !== undefined) yield ["system", body, "system"];
    yield* messageTexts(body.messages);
  },
  rewriteAnswer(json, rewrite) {
    for (const b of (json.content as Json[] | undefined) ?? []) {
      if (b.type === "text") b.text = rewrite(String(b.text ?? ""));
    }
  },
  companionSlot,
  injector: messagesInjector,
  modelList: (names) => ({
    data: names.map((id) => ({
      type: "model",
      id,
      display_name: id,
      created_at: "1970-01-01T00:00:00Z",
    })),
    has_more: false,
    first_id: names[0] ?? null,
    last_id: names.at(-1) ?? null,
  }),
};
