/**
 * Example: a content filter. Requests whose user text holds a blocked word are
 * rejected with a 400 (nothing reaches the upstream); blocked words in answers
 * are masked, streamed answers included (a word split across two stream pieces
 * is not caught: use `response_regex` for that).
 *
 *   plugins: [./plugins/content_filter.ts]  # words from BLOCKED_WORDS, comma-separated
 */
import { definePlugin } from "../lib/plugin.ts";

const WORDS = (Deno.env.get("BLOCKED_WORDS") ?? "forbidden,classified").split(",").map((w) =>
  w.trim()
).filter(Boolean);
const PATTERN = new RegExp(
  `\\b(${WORDS.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})\\b`,
  "gi",
);

type Json = Record<string, unknown>;

/** Every piece of text a user wrote, in any client format. */
function userText(body: Json): string {
  const list = (body.messages ?? body.input) as Json[] | string | undefined;
  if (typeof list === "string") return list;
  return (list ?? [])
    .filter((m) => m.role === "user")
    .map((
      m,
    ) => (typeof m.content === "string"
      ? m.content
      : ((m.content ?? []) as Json[]).map((p) => p.text ?? "").join(" "))
    )
    .join(" ");
}

const mask = (text: string) => text.replace(PATTERN, (w) => "*".repeat(w.length));

export default definePlugin({
  name: "content-filter",
  hooks: {
    onRequest(ctx) {
      const found = userText(ctx.body).match(PATTERN);
      if (found) ctx.reject(400, `blocked word in request: ${found[0].toLowerCase()}`);
    },
    onResponse(ctx) {
      const body = ctx.body;
      for (const c of (body.choices as Json[] | undefined) ?? []) {
        const message = c.message as Json | undefined;
        if (typeof message?.content === "string") message.content = mask(message.content);
      }
      for (const b of (body.content as Json[] | undefined) ?? []) {
        if (b.type === "text") b.text = mask(String(b.text));
      }
    },
    onChunk: (ctx) => mask(ctx.text),
  },
});
