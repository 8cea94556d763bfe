/**
 * The OpenAI Responses API (Codex CLI, the Vercel AI SDK's default OpenAI
 * model, the Agents SDK): passed through to OpenAI-type upstreams, translated
 * (statelessly, through the chat shape) for the others.
 */
import type { ClientFormat, TextSlot } from "../format.ts";
import { shapeCheck } from "../check.ts";
import { rewriteResponsesStream } from "./rewrite.ts";
import { sseMessages } from "../sse.ts";
import type { Json } from "../json.ts";
import { messageTexts } from "../text.ts";
import { encodeResponse } from "./answer.ts";
import { responsesToChat } from "./request.ts";
import { responsesStreamDecoder, responsesStreamEncoder } from "./stream.ts";
import { fromResponsesUsage } from "./usage.ts";
import { responsesShape } from "./shape.ts";
import { companionSlot, responsesInjector } from "./splice.ts";

export const responses: ClientFormat = {
  toChat: responsesToChat,
  encodeAnswer: encodeResponse,
  decodeStream: (body, max) => sseMessages(body, max).pipeThrough(responsesStreamDecoder()),
  streamEncoder: (request) => responsesStreamEncoder(request),
  usage: fromResponsesUsage,
  headerPrefix: "openai-",
  rewriteStream: rewriteResponsesStream,
  streamEnd: /"type":\s*"response\.(completed|incomplete|failed)"/,
  check: shapeCheck(responsesShape),
  *texts(body): Iterable<TextSlot> {
    if (typeof body.instructions === "string") yield ["system", body, "instructions"];
    if (typeof body.input === "string") yield ["user", body, "input"];
    else yield* messageTexts(body.input);
  },
  rewriteAnswer(json, rewrite) {
    for (const item of (json.output as Json[] | undefined) ?? []) {
      for (const c of (item.content as Json[] | undefined) ?? []) {
        if (c.type === "output_text") c.text = rewrite(String(c.text ?? ""));
      }
    }
  },
  companionSlot,
  injector: responsesInjector,
};
