/**
 * Regex rules on the text of a request's messages, in every client format:
 * string contents and text parts/blocks, by role; never images, never tool
 * arguments.
 */
import type { Api } from "../providers/types.ts";

export interface RegexRule {
  re: RegExp;
  replace: string;
  /** Roles whose text the rule applies to; undefined: every role. */
  roles?: Set<string>;
}

type Json = Record<string, unknown>;
const TEXT_PARTS = new Set(["text", "input_text", "output_text"]);

/** A content (string or parts) with its text parts rewritten (parts in place). */
function rewriteContent(content: unknown, rewrite: (text: string) => string): unknown {
  if (typeof content === "string") return rewrite(content);
  if (!Array.isArray(content)) return content;
  for (const part of content) {
    if (part && TEXT_PARTS.has(part.type) && typeof part.text === "string") {
      part.text = rewrite(part.text);
    }
  }
  return content;
}

/** Every (role, holder of content) of a request, whatever its API. */
function* contents(api: Api, body: Json): Generator<[string, Json, string]> {
  if (api === "messages" && body.system !== undefined) yield ["system", body, "system"];
  if (api === "responses") {
    if (typeof body.instructions === "string") yield ["system", body, "instructions"];
    if (typeof body.input === "string") yield ["user", body, "input"];
  }
  const list = body.messages ?? (Array.isArray(body.input) ? body.input : undefined);
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

/** Applies the rules in order; true when some text changed. */
export function applyRegexRules(api: Api, body: Json, rules: RegexRule[]): boolean {
  let changed = false;
  for (const [role, holder, key] of contents(api, body)) {
    const applicable = rules.filter((r) => !r.roles || r.roles.has(role));
    if (applicable.length === 0) continue;
    holder[key] = rewriteContent(holder[key], (text) => {
      let out = text;
      for (const r of applicable) out = out.replace(r.re, r.replace);
      if (out !== text) changed = true;
      return out;
    });
  }
  return changed;
}
