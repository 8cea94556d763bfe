/**
 * The Responses API's stream (https://platform.openai.com/docs/api-reference/responses-streaming):
 * read into neutral events, and written from them as the documented event
 * sequence, one output item per block, each opened, filled and closed.
 */
import type { AnswerEvent, Block, StopReason } from "../neutral.ts";
import { emptyUsage, mergeUsage, newId, ToolIndexes } from "../neutral.ts";
import { eventJson, type EventSourceMessage, sse } from "../sse.ts";
import type { Json } from "../json.ts";
import { cutShort, midStreamError } from "../../errors.ts";
import {
  completion,
  outputItems,
  responseObject,
  seal,
  type Sealed,
  sealedOf,
  wantsSealed,
} from "./answer.ts";
import { fromResponsesUsage } from "./usage.ts";

/** The Responses API's stream as neutral events; one that ends before `response.completed` (or incomplete) is a failure. */
export function responsesStreamDecoder(): TransformStream<EventSourceMessage, AnswerEvent> {
  /** output_index → neutral tool index, for function_call items. */
  const tools = new ToolIndexes();
  let ended = false;
  return new TransformStream<EventSourceMessage, AnswerEvent>({
    flush() {
      if (!ended) throw cutShort("response.completed");
    },
    transform(message, out) {
      const ev = eventJson(message);
      const response = (ev.response ?? {}) as Json;
      switch (ev.type) {
        case "response.created":
          out.enqueue({
            type: "start",
            id: String(response.id ?? ""),
            model: String(response.model ?? ""),
            created: Number(response.created_at ?? 0),
          });
          break;
        case "response.output_text.delta":
          out.enqueue({ type: "text", text: String(ev.delta ?? "") });
          break;
        case "response.refusal.delta":
          out.enqueue({ type: "refusal", text: String(ev.delta ?? "") });
          break;
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          out.enqueue({ type: "reasoning", text: String(ev.delta ?? "") });
          break;
        case "response.output_item.added": {
          const item = (ev.item ?? {}) as Json;
          if (item.type !== "function_call") break;
          out.enqueue(
            tools.open(
              Number(ev.output_index),
              String(item.call_id ?? ""),
              String(item.name ?? ""),
            ),
          );
          break;
        }
        case "response.function_call_arguments.delta": {
          const index = tools.of(Number(ev.output_index));
          if (index !== undefined) {
            out.enqueue({ type: "tool_args", index, arguments: String(ev.delta ?? "") });
          }
          break;
        }
        case "response.completed":
        case "response.incomplete": {
          if (response.usage) {
            out.enqueue({ type: "usage", usage: fromResponsesUsage(response.usage as Json) });
          }
          const why = (response.incomplete_details as Json | null)?.reason;
          const stop = ev.type === "response.incomplete"
            ? why === "content_filter" ? "content_filter" : "max_tokens"
            : tools.size
            ? "tool_use"
            : "end_turn";
          ended = true;
          out.enqueue({ type: "finish", stop });
          break;
        }
        case "response.failed":
        case "error": {
          const err = (response.error ?? ev) as Json;
          throw midStreamError(err);
        }
      }
    },
  });
}

/** Neutral events as the Responses API's stream: one output item per block, each opened, filled and closed. */
export function responsesStreamEncoder(request: Json): TransformStream<AnswerEvent, string> {
  type Out = TransformStreamDefaultController<string>;
  type Kind = "text" | "refusal" | "reasoning" | "tool_call";
  interface Filling {
    item: Json;
    text: string;
    kind: Kind;
    /** The thought's signature, once it came. */
    signature?: string;
  }
  const sealed = wantsSealed(request);
  let sequence = 0;
  let head = { id: newId("resp_"), model: "", created: 0 };
  const usage = emptyUsage();
  let stop: StopReason = "end_turn";
  const output: Json[] = [];
  let open: Filling | null = null;
  const tools = new Map<number, Filling>();

  const emit = (out: Out, type: string, data: Json) =>
    out.enqueue(sse(JSON.stringify({ type, sequence_number: sequence++, ...data }), type));
  const response = (status: string, withUsage: boolean) =>
    responseObject(
      head.id,
      head.model,
      head.created,
      request,
      status,
      output,
      withUsage ? usage : null,
      stop,
    );
  const added = (out: Out, item: Json) => {
    output.push(item);
    emit(out, "response.output_item.added", { output_index: output.length - 1, item });
  };
  const done = (out: Out, item: Json) =>
    emit(out, "response.output_item.done", { output_index: output.indexOf(item), item });

  /** Finishes the item being filled: its `.done` events, then `output_item.done`. */
  const close = (out: Out) => {
    if (!open) return;
    const { item, text, kind } = open;
    const at = { item_id: item.id, output_index: output.indexOf(item) };
    if (kind === "text" || kind === "refusal") {
      const part = kind === "text"
        ? { type: "output_text", text, annotations: [] }
        : { type: "refusal", refusal: text };
      if (kind === "text") {
        emit(out, "response.output_text.done", { ...at, content_index: 0, text, logprobs: [] });
      } else emit(out, "response.refusal.done", { ...at, content_index: 0, refusal: text });
      emit(out, "response.content_part.done", { ...at, content_index: 0, part });
      Object.assign(item, { status: "completed", content: [part] });
    } else if (kind === "reasoning") {
      const part = { type: "summary_text", text };
      emit(out, "response.reasoning_summary_text.done", { ...at, summary_index: 0, text });
      emit(out, "response.reasoning_summary_part.done", { ...at, summary_index: 0, part });
      item.summary = [part];
      if (sealed) {
        item.encrypted_content = sealedOf({ type: "reasoning", text, signature: open.signature });
      }
    } else {
      emit(out, "response.function_call_arguments.done", {
        ...at,
        name: item.name,
        arguments: text,
      });
      Object.assign(item, { status: "completed", arguments: text });
    }
    done(out, item);
    open = null;
  };

  /** Opens a new output item for a block of `kind`. */
  const start = (out: Out, block: Block, kind: Kind): Filling => {
    close(out);
    const [item] = outputItems(block, false, false);
    added(out, item);
    const filling: Filling = { item, text: "", kind };
    open = filling;
    const at = { item_id: item.id, output_index: output.length - 1 };
    if (kind === "text" || kind === "refusal") {
      emit(out, "response.content_part.added", {
        ...at,
        content_index: 0,
        part: kind === "text"
          ? { type: "output_text", text: "", annotations: [] }
          : { type: "refusal", refusal: "" },
      });
    } else if (kind === "reasoning") {
      emit(out, "response.reasoning_summary_part.added", {
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    }
    return filling;
  };

  /** A reasoning item that only carries something sealed, added and done at once. */
  const carrier = (out: Out, content: Sealed) => {
    close(out);
    const item = {
      type: "reasoning",
      id: newId("rs_"),
      summary: [],
      encrypted_content: seal(content),
    };
    added(out, item);
    done(out, item);
  };

  return new TransformStream<AnswerEvent, string>({
    transform(ev, out) {
      switch (ev.type) {
        case "start":
          head = { id: head.id, model: ev.model, created: ev.created };
          emit(out, "response.created", { response: response("in_progress", false) });
          emit(out, "response.in_progress", { response: response("in_progress", false) });
          break;
        case "text":
        case "refusal":
        case "reasoning": {
          // Text fills a message's output_text part, a refusal its refusal part, reasoning a summary.
          const f = open?.kind === ev.type && !open.signature
            ? open
            : start(out, { type: ev.type, text: "" }, ev.type);
          f.text += ev.text;
          const at = { item_id: f.item.id, output_index: output.indexOf(f.item) };
          if (ev.type === "text") {
            emit(out, "response.output_text.delta", {
              ...at,
              content_index: 0,
              delta: ev.text,
              logprobs: [],
            });
          } else if (ev.type === "refusal") {
            emit(out, "response.refusal.delta", { ...at, content_index: 0, delta: ev.text });
          } else {
            emit(out, "response.reasoning_summary_text.delta", {
              ...at,
              summary_index: 0,
              delta: ev.text,
            });
          }
          break;
        }
        case "signature": {
          const f = open?.kind === "reasoning"
            ? open
            : start(out, { type: "reasoning", text: "" }, "reasoning");
          f.signature = (f.signature ?? "") + ev.signature;
          break;
        }
        case "redacted_reasoning":
          if (sealed) carrier(out, { redacted: ev.data });
          break;
        case "tool_call":
          if (sealed && ev.signature) carrier(out, { call: ev.id, signature: ev.signature });
          tools.set(
            ev.index,
            start(out, { type: "tool_call", id: ev.id, name: ev.name, arguments: "" }, "tool_call"),
          );
          break;
        case "tool_args": {
          const f = tools.get(ev.index);
          if (!f) break;
          f.text += ev.arguments;
          emit(out, "response.function_call_arguments.delta", {
            item_id: f.item.id,
            output_index: output.indexOf(f.item),
            delta: ev.arguments,
          });
          break;
        }
        case "usage":
          mergeUsage(usage, ev.usage);
          break;
        case "finish":
          stop = ev.stop;
          break;
      }
    },
    flush(out) {
      close(out);
      const { status } = completion(stop);
      emit(out, `response.${status}`, { response: response(status, true) });
    },
  });
}
