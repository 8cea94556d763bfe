/** The splitter's companion in an OpenAI chat answer: appended to the text, streamed before the finish. */
import type { Injector } from "../format.ts";
import type { Json } from "../json.ts";
import { sse } from "../sse.ts";

/** Appends to the first choice's message text. */
export function appendToAnswer(json: Json, text: string): void {
  const message = (json.choices as Json[] | undefined)?.[0]?.message as Json | undefined;
  if (message) message.content = (message.content ?? "") + text;
}

/** Before the chunk carrying `finish_reason` (or `[DONE]`), in chunks like the stream's own. */
export function chatInjector(): Injector {
  let head: Json | null = null;
  const chunk = (delta: Json) =>
    sse(
      JSON.stringify({
        ...head,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
      }),
    );
  return {
    endsText: (event) => /"finish_reason":\s*"/.test(event) || event.startsWith("data: [DONE]"),
    split(event) {
      if (!event.startsWith("data: {")) return null;
      const json = JSON.parse(event.slice(6));
      const choice = json.choices?.[0];
      if (!choice?.delta?.content) return null;
      const text = { ...json, choices: [{ ...choice, finish_reason: null }] };
      const end = { ...json, choices: [{ ...choice, delta: {} }] };
      return [sse(JSON.stringify(text)), sse(JSON.stringify(end))];
    },
    see(event) {
      if (head || !event.startsWith("data: {")) return;
      const first = JSON.parse(event.slice(6));
      head = { id: first.id, created: first.created, model: first.model };
    },
    open: () => "",
    piece: (text) => chunk({ content: text }),
    close: () => "",
  };
}
