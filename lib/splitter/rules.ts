/**
 * Which requests get a companion (SPEC §8): one whose last message is the
 * person's own words, asking for an answer a companion cannot corrupt.
 * Read the same way from chat, Anthropic and Responses requests.
 */
type Json = Record<string, unknown>;

/** Claude Code's and others' injected context: not what the person wrote. */
const REMINDERS = /<system-reminder>[\s\S]*?<\/system-reminder>/g;
const TEXT_PARTS = new Set(["text", "input_text"]);

/**
 * What the person wrote in the request's last message: its text, without
 * `<system-reminder>` blocks, tool results or images; "" when the last
 * message is not a person's (a tool's result, an assistant's).
 */
export function personText(body: Json): string {
  const list = body.messages ?? body.input;
  if (typeof list === "string") return list.replace(REMINDERS, "").trim();
  if (!Array.isArray(list)) return "";
  const last = list.at(-1) as Json | undefined;
  if (last?.role !== "user" || (last.type !== undefined && last.type !== "message")) return "";
  const parts = typeof last.content === "string"
    ? [last.content]
    : (Array.isArray(last.content) ? last.content : [])
      .filter((p) => TEXT_PARTS.has(p?.type) && typeof p.text === "string")
      .map((p) => p.text as string);
  return parts.map((t) => t.replace(REMINDERS, "").trim()).filter(Boolean).join("\n");
}

const JSON_FORMATS = new Set(["json_object", "json_schema"]);
const formatType = (format: unknown) => (format as Json | undefined)?.type;

/** Why a request's answer must stay as the model writes it, or null when a companion may join it. */
export function noCompanionBecause(body: Json): string | null {
  const text = body.text as Json | undefined;
  const config = body.output_config as Json | undefined;
  const asksJson = [body.response_format, text?.format, body.output_format, config?.format]
    .some((f) => JSON_FORMATS.has(String(formatType(f))));
  if (asksJson) return "structured output";
  if (forcesTool(body.tool_choice)) return "a forced tool choice";
  if (typeof body.n === "number" && body.n > 1) return "n > 1";
  return null;
}

/** `required` / a named function (OpenAI), `any` / `tool` (Anthropic), `allowed_tools` in required mode. */
function forcesTool(choice: unknown): boolean {
  if (choice === "required") return true;
  const c = choice as Json | null | undefined;
  if (!c || typeof c !== "object") return false;
  return ["function", "custom", "any", "tool"].includes(String(c.type)) ||
    (c.type === "allowed_tools" && c.mode === "required");
}
