/**
 * Example: a response modifier. Every answer starts with a prefix — whole
 * answers through `onResponse`, streams through `onChunk` (on the first piece
 * of text), in every client format.
 *
 *   plugins: [./plugins/shout.ts]          # prefix from SHOUT_PREFIX, default "📣 "
 */
import { definePlugin } from "../lib/plugin.ts";

const PREFIX = Deno.env.get("SHOUT_PREFIX") ?? "📣 ";

type Json = Record<string, unknown>;

export default definePlugin({
  name: "shout",
  hooks: {
    onResponse(ctx) {
      const body = ctx.body;
      if (ctx.api === "messages") {
        const text = (body.content as Json[] | undefined)?.find((b) => b.type === "text");
        if (text) text.text = PREFIX + text.text;
      } else if (ctx.api === "responses") {
        const message = (body.output as Json[] | undefined)?.find((o) => o.type === "message");
        const part = (message?.content as Json[] | undefined)?.find((c) =>
          c.type === "output_text"
        );
        if (part) part.text = PREFIX + part.text;
      } else {
        const message = (body.choices as Json[] | undefined)?.[0]?.message as Json | undefined;
        if (typeof message?.content === "string") message.content = PREFIX + message.content;
      }
    },
    onChunk(ctx) {
      if (ctx.state.shouted) return;
      ctx.state.shouted = true;
      return PREFIX + ctx.text;
    },
  },
});
