/**
 * Reading plain text out of a request, the same way for OpenAI chat messages,
 * Anthropic messages and Responses API input items.
 */

/** A `data:TYPE;base64,DATA` URL's type and data; null for any other URL. */
export function dataUrl(url: string): { mediaType: string; data: string } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1], data: m[2] } : null;
}

/**
 * Chat content parts as a plain string, joined by `separator`, when they are
 * all text (what most OpenAI-compatible servers expect); else the parts.
 */
export function textOrParts(
  parts: Record<string, unknown>[],
  separator: string,
): string | Record<string, unknown>[] {
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join(separator) : parts;
}

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

const TEXT_PARTS = new Set(["text", "input_text", "output_text"]);

/** A content (string or parts) with its text parts rewritten (parts in place). */
export function rewriteContent(content: unknown, rewrite: (text: string) => string): unknown {
  if (typeof content === "string") return rewrite(content);
  if (!Array.isArray(content)) return content;
  for (const part of content) {
    if (part && TEXT_PARTS.has(part.type) && typeof part.text === "string") {
      part.text = rewrite(part.text);
    }
  }
  return content;
}

/** The text slots of a list of messages (or message items): `developer` counts as `system`. */
export function* messageTexts(list: unknown): Generator<[string, Record<string, unknown>, string]> {
  if (!Array.isArray(list)) return;
  for (const m of list) {
    if (
      m && typeof m === "object" && typeof m.role === "string" &&
      (m.type === undefined || m.type === "message")
    ) {
      yield [m.role === "developer" ? "system" : m.role, m, "content"];
    }
  }
}
