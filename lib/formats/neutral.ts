/**
 * The format-neutral answer every translation goes through: a decoder turns one
 * wire format into {@link AnswerEvent}s (or an {@link Answer}), an encoder turns
 * them into another. Built-in synthetic providers produce them directly.
 */

/** Token counts in OpenAI's sense: `prompt_tokens` includes cached input. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

/**
 * Why the answer ended, in Anthropic's finer-grained terms; `content_filter`
 * is a provider's filter, `refusal` the model's own, `context_window` the
 * context running out (Anthropic's `model_context_window_exceeded`).
 */
export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "content_filter"
  | "pause_turn"
  | "refusal"
  | "context_window";

export interface TextBlock {
  type: "text";
  text: string;
}
/** A refusal the model wrote instead of an answer (OpenAI's `refusal`). */
export interface RefusalBlock {
  type: "refusal";
  text: string;
}
export interface ReasoningBlock {
  type: "reasoning";
  text: string;
  /** Anthropic's thinking signature: the block must come back with it for a replayed turn to be valid. */
  signature?: string;
}
/** Reasoning a provider keeps encrypted (Anthropic's `redacted_thinking`): it comes back as it went. */
export interface RedactedReasoningBlock {
  type: "redacted_reasoning";
  data: string;
}
export interface ToolCallBlock {
  type: "tool_call";
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
  /** Gemini's thought signature for this call: it must come back with the call. */
  signature?: string;
}
export type Block =
  | TextBlock
  | RefusalBlock
  | ReasoningBlock
  | RedactedReasoningBlock
  | ToolCallBlock;

/** A whole answer. */
export interface Answer {
  id: string;
  model: string;
  created: number;
  blocks: Block[];
  stop: StopReason;
  stopSequence: string | null;
  usage: Usage;
}

/** One step of a streamed answer. */
export type AnswerEvent =
  | { type: "start"; id: string; model: string; created: number }
  | { type: "text"; text: string }
  | { type: "refusal"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "signature"; signature: string }
  | { type: "redacted_reasoning"; data: string }
  | { type: "tool_call"; index: number; id: string; name: string; signature?: string }
  | { type: "tool_args"; index: number; arguments: string }
  | { type: "usage"; usage: Partial<Usage> }
  | { type: "finish"; stop: StopReason; stopSequence?: string | null };

/**
 * A stream's tool calls as neutral events number them (0, 1, …), found by
 * the wire's own key for each (a block index, an output index).
 */
export class ToolIndexes {
  readonly #byKey = new Map<number, number>();

  /** The event that opens a call under `key`. */
  open(key: number, id: string, name: string): AnswerEvent {
    const index = this.#byKey.size;
    this.#byKey.set(key, index);
    return { type: "tool_call", index, id, name };
  }

  /** The neutral index of the call under `key`, if one was opened. */
  of(key: number): number | undefined {
    return this.#byKey.get(key);
  }

  get size(): number {
    return this.#byKey.size;
  }
}

export function emptyUsage(): Usage {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
  };
}

/** Folds a partial report into `into`; later reports win, and the total follows. */
export function mergeUsage(into: Usage, part: Partial<Usage>): Usage {
  for (const [key, value] of Object.entries(part) as [keyof Usage, number | undefined][]) {
    if (typeof value === "number") into[key] = value;
  }
  if (part.total_tokens === undefined) {
    into.total_tokens = into.prompt_tokens + into.completion_tokens;
  }
  return into;
}

/** A random id with the vendor's prefix (`chatcmpl-`, `msg_`, `call_`, `toolu_`). */
export function newId(prefix: string): string {
  return prefix + crypto.randomUUID().replaceAll("-", "").slice(0, 24);
}

/** Rough token count for synthetic answers and local estimates: ~4 characters a token. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/**
 * Collects a streamed answer into a whole one, for logs and usage. Text,
 * reasoning and tool arguments past `maxChars` in all are not kept (`cut`
 * says so): a stream of any length holds a bounded answer.
 */
export class AnswerCollector {
  readonly answer: Answer = {
    id: "",
    model: "",
    created: 0,
    blocks: [],
    stop: "end_turn",
    stopSequence: null,
    usage: emptyUsage(),
  };
  readonly #tools = new Map<number, ToolCallBlock>();
  /** True once the answer reported usage. */
  sawUsage = false;
  /** True once some text was not kept. */
  cut = false;
  #room: number;

  constructor(maxChars: number) {
    this.#room = maxChars;
  }

  /** `text`, or as much of it as there is room for. */
  #keep(text: string): string {
    if (text.length <= this.#room) {
      this.#room -= text.length;
      return text;
    }
    this.cut = true;
    const kept = text.slice(0, this.#room);
    this.#room = 0;
    return kept;
  }

  add(ev: AnswerEvent): void {
    const a = this.answer;
    const last = a.blocks.at(-1);
    if (ev.type === "text" || ev.type === "reasoning" || ev.type === "refusal") {
      const kept = this.#keep(ev.text);
      if (kept !== ev.text) ev = { ...ev, text: kept };
    } else if (ev.type === "tool_args") {
      const kept = this.#keep(ev.arguments);
      if (kept !== ev.arguments) ev = { ...ev, arguments: kept };
    }
    switch (ev.type) {
      case "start":
        a.id = ev.id;
        a.model = ev.model;
        a.created = ev.created;
        break;
      case "text":
        if (last?.type === "text") last.text += ev.text;
        else a.blocks.push({ type: "text", text: ev.text });
        break;
      case "refusal":
        if (last?.type === "refusal") last.text += ev.text;
        else a.blocks.push({ type: "refusal", text: ev.text });
        break;
      case "reasoning":
        if (last?.type === "reasoning" && last.signature === undefined) last.text += ev.text;
        else a.blocks.push({ type: "reasoning", text: ev.text });
        break;
      case "redacted_reasoning":
        a.blocks.push({ type: "redacted_reasoning", data: ev.data });
        break;
      case "signature":
        if (last?.type === "reasoning") last.signature = (last.signature ?? "") + ev.signature;
        else a.blocks.push({ type: "reasoning", text: "", signature: ev.signature });
        break;
      case "tool_call": {
        const block: ToolCallBlock = { type: "tool_call", id: ev.id, name: ev.name, arguments: "" };
        if (ev.signature) block.signature = ev.signature;
        this.#tools.set(ev.index, block);
        a.blocks.push(block);
        break;
      }
      case "tool_args": {
        const block = this.#tools.get(ev.index);
        if (block) block.arguments += ev.arguments;
        break;
      }
      case "usage":
        this.sawUsage = true;
        mergeUsage(a.usage, ev.usage);
        break;
      case "finish":
        a.stop = ev.stop;
        a.stopSequence = ev.stopSequence ?? null;
        break;
    }
  }
}

/** The answer's text blocks joined. */
export function answerText(answer: Answer): string {
  return answer.blocks.map((b) => (b.type === "text" ? b.text : "")).join("");
}
