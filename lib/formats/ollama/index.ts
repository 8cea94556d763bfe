/** Ollama's native `/api/chat` (NDJSON streams); only providers speak it. */
import type { WireFormat } from "../format.ts";
import { eventLimit } from "../sse.ts";
import { decodeOllamaChat } from "./answer.ts";
import { chatToOllama } from "./request.ts";
import { ollamaStreamDecoder } from "./stream.ts";

export const ollama: WireFormat = {
  fromChat: chatToOllama,
  decodeAnswer: decodeOllamaChat,
  decodeStream: (body, max) =>
    body.pipeThrough(eventLimit(max, "lines")).pipeThrough(new TextDecoderStream())
      .pipeThrough(ollamaStreamDecoder()),
};
