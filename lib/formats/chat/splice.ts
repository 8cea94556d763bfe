/** The splitter's companion in an OpenAI chat answer: after the main text, before the finish. */
import type { Injector } from "../format.ts";
import type { Json } from "../json.ts";
import { sse } from "../sse.ts";

/** After the message's text, unless the answer is a tool call. */
export function companionSlot(json: Json): ((text: string) => void) | null {
  const message = (json.choices as Json[] | undefined)?.[0]?.message as Json | undefined;
  if (!message || (Array.isArray(message.tool_calls) && message.tool_calls.length)) return null;
  return (text) => (message.content = (message.content ?? "") + text);
}

/** Before the chunk carrying `finish_reason` (or `[DONE]`), in chunks like the stream's own. */
export function chatInjector(): Injector {
  let head: Json | null = null;
  let tools = false;
  const chunk = (delta: Json) =>
    sse(
      JSON.stringify({
        ...head,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
      }),
    );
  return {
    see(event) {
      if (event.startsWith("data: [DONE]")) return { now: "", later: event };
      if (!event.startsWith("data: {")) return { now: event };
      if (!head) {
        const first = JSON.parse(event.slice(6));
        head = { id: first.id, created: first.created, model: first.model };
      }
      if (/"tool_calls":\s*\[\s*\{/.test(event)) tools = true;
      if (!/"finish_reason":\s*"/.test(event)) return { now: event };
      // The finish: its own text (if any) goes now, the finish itself after the companion.
      const json = JSON.parse(event.slice(6));
      const choice = json.choices?.[0];
      if (choice?.finish_reason === "tool_calls") tools = true;
      if (!choice?.delta?.content) return { now: "", later: event };
      const text = { ...json, choices: [{ ...choice, finish_reason: null }] };
      const end = { ...json, choices: [{ ...choice, delta: {} }] };
      return { now: sse(JSON.stringify(text)), later: sse(JSON.stringify(end)) };
    },
    toolCall: () => tools,
    piece: (text) => chunk({ content: text }),
    after: (later) => later,
    keepAlive: ": keep-alive\n\n",
  };
}
