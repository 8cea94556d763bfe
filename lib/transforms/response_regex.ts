/**
 * `response_regex`: rewriting assistant text in answers, whole or streamed.
 *
 * In a stream a match may be split across chunks, so the rewriter holds back
 * the shortest tail that could still start or extend a match and lets the rest
 * flow at once. For a pattern that begins with literal text (`secret-\w+`,
 * `\bACME\b`, `sk-…`) that tail is exactly a partial literal or a match
 * running into the end of the text so far. For a pattern without one
 * (`\d{3}-\d{4}`) the last {@link BLIND_HOLD} characters wait. Either way at
 * most {@link MAX_HOLD} characters wait: a longer match split across chunks
 * is not redacted.
 */
import type { AnswerEvent } from "../formats/neutral.ts";

/** Characters held for a pattern without a literal start. */
export const BLIND_HOLD = 64;
/** The most characters ever held back. */
export const MAX_HOLD = 256;

/** Something that rewrites a stream's text as it flows. */
export interface TextRewriter {
  /** Rewrites the next piece; returns what may go out now (maybe ""). */
  push(text: string): string;
  /** Everything still held, rewritten: the text's end. */
  flush(): string;
}

export interface ResponseRule {
  re: RegExp;
  replace: string;
  /** The literal text every match starts with ("" when unknown); lower case when the rule is. */
  prefix: string;
  ignoreCase: boolean;
}

const SPECIAL = new Set([..."\\.^$|?*+()[]{}"]);

/**
 * The literal text every match of `pattern` starts with: leading plain or
 * escaped punctuation characters, after any leading `\b`; "" when the pattern
 * has an alternation or starts with a class or group.
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes("|")) return "";
  let i = pattern.startsWith("\\b") ? 2 : 0;
  let out = "";
  while (i < pattern.length) {
    let ch = pattern[i];
    let width = 1;
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[A-Za-z0-9]/.test(next)) break; // \w, \d, \b, \u… : not a literal
      ch = next;
      width = 2;
    } else if (SPECIAL.has(ch)) break;
    // A character made optional or repeatable by a quantifier is not a fixed prefix.
    const after = pattern[i + width];
    if (after === "?" || after === "*" || after === "{") break;
    out += ch;
    i += width;
    if (pattern[i] === "+") break;
  }
  return out;
}

/** A streaming rewriter for one rule. */
function ruleRewriter(rule: ResponseRule): TextRewriter {
  const sticky = new RegExp(rule.re.source, rule.re.flags.replace("g", "") + "y");
  let buf = "";
  const norm = (s: string) => (rule.ignoreCase ? s.toLowerCase() : s);

  /** Where the held tail starts: the earliest position a match could still start or grow from. */
  const holdFrom = (): number => {
    const from = Math.max(0, buf.length - MAX_HOLD);
    if (!rule.prefix) return Math.max(from, buf.length - BLIND_HOLD);
    for (let j = from; j < buf.length; j++) {
      const tail = norm(buf.slice(j, j + rule.prefix.length));
      if (tail.length < rule.prefix.length) {
        if (rule.prefix.startsWith(tail)) return j;
        continue;
      }
      if (tail !== rule.prefix) continue;
      sticky.lastIndex = j;
      const m = sticky.exec(buf);
      if (m && m.index + m[0].length === buf.length) return j;
    }
    return buf.length;
  };

  return {
    push(text) {
      buf += text;
      const at = holdFrom();
      const out = buf.slice(0, at).replace(rule.re, rule.replace);
      buf = buf.slice(at);
      return out;
    },
    flush() {
      const out = buf.replace(rule.re, rule.replace);
      buf = "";
      return out;
    },
  };
}

/** Rules applied in order, each to what the one before let out. */
export function chainRewriters(rewriters: TextRewriter[]): TextRewriter {
  return {
    push: (text) => rewriters.reduce((t, r) => r.push(t), text),
    flush() {
      // Each rule's held text goes through the rules after it before they let go of theirs.
      let carry = "";
      for (const r of rewriters) carry = r.push(carry) + r.flush();
      return carry;
    },
  };
}

/** A fresh streaming rewriter for the rules. */
export function rewriterFor(rules: readonly ResponseRule[]): TextRewriter {
  return chainRewriters(rules.map(ruleRewriter));
}

/**
 * Neutral events with their text rewritten as it flows. Held text goes out
 * before anything that is not text (a tool call, the finish), so order holds.
 */
export function rewriteEvents(rewriter: TextRewriter): TransformStream<AnswerEvent, AnswerEvent> {
  const release = (out: TransformStreamDefaultController<AnswerEvent>) => {
    const held = rewriter.flush();
    if (held) out.enqueue({ type: "text", text: held });
  };
  return new TransformStream<AnswerEvent, AnswerEvent>({
    transform(ev, out) {
      if (ev.type === "text") {
        const text = rewriter.push(ev.text);
        if (text) out.enqueue({ type: "text", text });
        return;
      }
      if (ev.type !== "usage" && ev.type !== "start") release(out);
      out.enqueue(ev);
    },
    flush: release,
  });
}
