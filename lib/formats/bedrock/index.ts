/** Amazon Bedrock's Converse API (binary event-stream streams); providers speak it. */
import type { WireFormat } from "../format.ts";
import { decodeConverse } from "./answer.ts";
import { chatToConverse } from "./request.ts";
import { converseStreamDecoder, eventStreamMessages } from "./stream.ts";

export const bedrock: WireFormat = {
  fromChat: chatToConverse,
  decodeAnswer: decodeConverse,
  decodeStream: (body, max) =>
    body.pipeThrough(eventStreamMessages(max)).pipeThrough(converseStreamDecoder()),
};
