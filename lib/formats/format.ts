/**
 * The one shape every wire format has (a folder each under `formats/`):
 * requests to and from the chat shape translation goes through, answers and
 * streams to and from neutral events, usage. A format clients speak adds what
 * the proxy rewrites through it: request text for transforms and the
 * splitter, answer text for `response_regex`, the splitter's companion.
 */
import type { Answer, AnswerEvent, Usage } from "./neutral.ts";
import type { Drop, Json } from "./json.ts";
import type { Editor } from "./rewrite.ts";

export interface WireFormat {
  /** A request of this format in the chat shape (chat's own is itself). */
  toChat?(body: Json, drop: Drop): Json;
  /** A chat-shaped request in this format. */
  fromChat?(chat: Json, drop: Drop): Json;
  decodeAnswer?(json: Json): Answer;
  /** A whole answer; `request` is the client's, for what the format echoes back. */
  encodeAnswer?(answer: Answer, request: Json): Json;
  /** A stream's bytes as neutral events; an event over `maxEventBytes` fails the stream. */
  decodeStream?(
    body: ReadableStream<Uint8Array>,
    maxEventBytes: number,
  ): ReadableStream<AnswerEvent>;
  /** Neutral events as this format's stream text; the request says, e.g., whether usage is wanted. */
  streamEncoder?(request: Json): TransformStream<AnswerEvent, string>;
  /** Reads this format's usage objects. */
  usage?(raw: Json): Usage;
  /** True when a stream reports usage at its start too (Anthropic's `message_start`). */
  usageAtStart?: boolean;
  /** Headers that belong to this vendor's API (`anthropic-…`): they mean nothing to another's. */
  headerPrefix?: string;
}

/** Where a request holds text: its role, and the object and key that hold it. */
export type TextSlot = [role: string, holder: Json, key: string];

export interface ClientFormat extends WireFormat {
  /** Throws a 400 naming the path when `body` is not the shape its translation reads. */
  check(body: Json): void;
  /** Every text of a request, by role (the system prompt counts as `system`). */
  texts(body: Json): Iterable<TextSlot>;
  /** Rewrites the assistant text of a whole answer, in place. */
  rewriteAnswer(json: Json, rewrite: (text: string) => string): void;
  /**
   * What the last events of a stream that ended properly hold (`[DONE]`,
   * `message_stop`…): a stream that closed without it was cut short.
   */
  streamEnd: RegExp;
  /** Rewrites a stream's text, raw event by raw event: everything else passes as it came. */
  rewriteStream(editor: Editor): TransformStream<string, string>;
  /** Appends text to a whole answer's text, in place (for the splitter's companion). */
  appendToAnswer?(json: Json, text: string): void;
  /** Where the splitter's companion goes into a stream of this format. */
  injector?(): Injector;
  /** `GET /v1/models` in this format: the names, and who serves each. */
  modelList?(names: string[], owner: (name: string) => string): Json;
  /**
   * A chunk of a passed-through stream without the usage-only event the
   * proxy asked for and the client did not (undefined: the chunk has none).
   */
  stripAddedUsage?(chunk: Uint8Array): Uint8Array | undefined;
}

/** Where a companion's text goes into a streamed answer, and how its events look. */
export interface Injector {
  /** True when `event` ends the main text: the companion goes before it. */
  endsText(event: string): boolean;
  /** The main text's last piece, when the ending event carries one, and the rest of that event. */
  split(event: string): [string, string] | null;
  /** Sees every passed-through event (for ids and block indexes). */
  see(event: string): void;
  /** Events to emit before the first companion piece. */
  open(): string;
  piece(text: string): string;
  close(): string;
}
