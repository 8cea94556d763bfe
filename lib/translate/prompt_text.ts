/**
 * Reading plain text out of a request, the same way for OpenAI chat messages,
 * Anthropic messages and Responses API input items.
 */

/** A message content's text: a string, or its text parts/blocks joined. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p) => p && typeof p === "object" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

/** The text of the last user message (`messages`, or Responses `input`). */
export function lastUserText(body: Record<string, unknown>): string {
  const list = body.messages ?? body.input;
  if (typeof list === "string") return list;
  if (!Array.isArray(list)) return "";
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i];
    if (m && typeof m === "object" && m.role === "user") return contentText(m.content);
  }
  return "";
}

/** Every text of the request, for local token estimates. */
export function allPromptText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const system = body.system ?? body.instructions;
  if (system !== undefined) parts.push(contentText(system));
  const list = body.messages ?? body.input;
  if (typeof list === "string") parts.push(list);
  else if (Array.isArray(list)) {
    for (const m of list) if (m && typeof m === "object") parts.push(contentText(m.content));
  }
  return parts.join("\n");
}
