/** Google's Gemini API (`generateContent`, SSE streams); providers speak it. */
import type { WireFormat } from "../format.ts";
import { sseMessages } from "../sse.ts";
import { decodeGemini } from "./answer.ts";
import { chatToGemini } from "./request.ts";
import { geminiStreamDecoder } from "./stream.ts";

export const gemini: WireFormat = {
  fromChat: chatToGemini,
  decodeAnswer: decodeGemini,
  decodeStream: (body, max) => sseMessages(body, max).pipeThrough(geminiStreamDecoder()),
};
