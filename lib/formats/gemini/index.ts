/**
 * Google's Gemini API (`generateContent`, SSE streams): providers speak it,
 * and Gemini's clients (Gemini CLI, `@google/genai`) do.
 */
import type { ClientFormat } from "../format.ts";
import type { Json } from "../json.ts";
import { estimateTokens } from "../neutral.ts";
import { sseMessages } from "../sse.ts";
import { decodeGemini, geminiUsage } from "./answer.ts";
import { encodeGeminiAnswer, geminiStreamEncoder } from "./encode.ts";
import { chatToGemini } from "./request.ts";
import { geminiStreamDecoder } from "./stream.ts";
import { checkGemini, geminiToChat } from "./to_chat.ts";
import { geminiTexts, rewriteGeminiAnswer, rewriteGeminiStream } from "./rewrite.ts";

export const gemini: ClientFormat = {
  toChat: geminiToChat,
  fromChat: chatToGemini,
  decodeAnswer: decodeGemini,
  encodeAnswer: encodeGeminiAnswer,
  decodeStream: (body, max) => sseMessages(body, max).pipeThrough(geminiStreamDecoder()),
  streamEncoder: geminiStreamEncoder,
  usage: geminiUsage,
  usageKey: "usageMetadata",
  check: checkGemini,
  texts: geminiTexts,
  rewriteAnswer: rewriteGeminiAnswer,
  rewriteStream: rewriteGeminiStream,
  streamEnd: /"finishReason":\s*"/,
  localTokenCount(body) {
    // countTokens takes the contents, or a whole request under generateContentRequest.
    const request = (body.generateContentRequest ?? body) as Json;
    let text = request.tools ? JSON.stringify(request.tools) : "";
    for (const [, holder, key] of geminiTexts(request)) text += holder[key];
    return { totalTokens: estimateTokens(text) };
  },
  modelList: (names) => ({
    models: names.map((name) => ({
      name: `models/${name}`,
      displayName: name,
      supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
    })),
  }),
};
