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
  /** The key its usage objects are under, when not `usage` (Gemini's `usageMetadata`). */
  usageKey?: string;
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
  /**
   * Where the splitter's companion goes in a whole answer: a function that
   * adds its text in place, or null when the answer is a tool call (no
   * companion goes in).
   */
  companionSlot?(json: Json): ((text: string) => void) | null;
  /** Where the splitter's companion goes into a stream of this format. */
  injector?(): Injector;
  /**
   * A token count of a request without a model (~4 characters a token), as
   * this format's counting endpoint answers (`count_tokens`, `countTokens`).
   */
  localTokenCount?(body: Json): Json;
  /** `GET /v1/models` in this format: the names, and who serves each. */
  modelList?(names: string[], owner: (name: string) => string): Json;
  /**
   * A chunk of a passed-through stream without the usage-only event the
   * proxy asked for and the client did not (undefined: the chunk has none).
   */
  stripAddedUsage?(chunk: Uint8Array): Uint8Array | undefined;
}

/**
 * Where the splitter's companion goes into a streamed answer of one format,
 * and how its events look. One per stream.
 */
export interface Injector {
  /**
   * One event of the main stream: `now` goes on to the client at once;
   * `later`, when set, is where the main text ended — the companion goes
   * before it. Not called again once `later` was given.
   */
  see(event: string): { now: string; later?: string };
  /** True once the answer holds a tool call: no companion goes in. */
  toolCall(): boolean;
  /** One piece of the companion's text as events (the first opens what it needs). */
  piece(text: string): string;
  /** `later`, after the companion's whole `text` ("" when none came): closed and renumbered as needed. */
  after(later: string, text: string): string;
  /** An event that keeps the connection busy while the companion is awaited. */
  keepAlive: string;
}
