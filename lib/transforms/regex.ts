/**
 * Regex rules on the text of a request's messages, in every client format
 * (its format says where the text is): string contents and text parts/blocks,
 * by role; never images, never tool arguments.
 */
import type { Api } from "../api.ts";
import { clientFormat } from "../formats/index.ts";
import { rewriteContent } from "../formats/text.ts";

type Json = Record<string, unknown>;

export interface RegexRule {
  re: RegExp;
  replace: string;
  /** Roles whose text the rule applies to; undefined: every role. */
  roles?: Set<string>;
}

/** Applies the rules in order; true when some text changed. */
export function applyRegexRules(api: Api, body: Json, rules: RegexRule[]): boolean {
  let changed = false;
  const format = clientFormat(api);
  if (!format) return false;
  for (const [role, holder, key] of format.texts(body)) {
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
