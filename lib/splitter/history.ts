/**
 * A conversation's history without the companions switchyard added to it
 * (SPEC §8): clients replay the assistant's answers as they got them, the
 * separator and the companion included; before the request goes upstream
 * each such answer is cut back to the main one, so the model never reads
 * its own corrections as its words. Only text switchyard itself sent is cut:
 * what follows the separator must be a companion it remembers.
 */
import { createHash } from "node:crypto";
import type { CompanionStore } from "../state/types.ts";

type Json = Record<string, unknown>;

const TEXT_PARTS = new Set(["text", "output_text"]);

/**
 * The digest a companion's text is remembered by (trimmed: clients may trim
 * what they keep) — at once, so it is remembered before the answer that
 * carries it has been sent.
 */
export function companionDigest(text: string): string {
  return createHash("sha256").update(text.trim()).digest("hex");
}

/** Where an assistant turn's last text is, and how to set it. */
interface Tail {
  text: string;
  set(text: string): void;
}

/** The last text of each assistant message (or Responses message item) in `list`. */
function assistantTails(list: Json[]): Tail[] {
  const tails: Tail[] = [];
  list.forEach((m, i) => {
    if (m?.role !== "assistant" || (m.type !== undefined && m.type !== "message")) return;
    if (typeof m.content === "string") {
      tails.push({ text: m.content, set: (text) => (m.content = text) });
      return;
    }
    if (!Array.isArray(m.content)) return;
    const parts = m.content as Json[];
    const at = parts.findLastIndex((p) => TEXT_PARTS.has(String(p?.type)));
    if (at < 0) return;
    tails.push({
      text: String(parts[at].text ?? ""),
      set(text) {
        if (text) return void (parts[at].text = text);
        // Nothing left of it: the part goes, and a Responses item of nothing but a companion too.
        parts.splice(at, 1);
        if (parts.length === 0 && m.type === "message") list[i] = DROP;
      },
    });
  });
  return tails;
}

const DROP: Json = {};

/**
 * Cuts every assistant answer in `body` that ends with `separator` and a
 * companion the store remembers back to what came before; true when one was.
 */
export async function forgetCompanions(
  body: Json,
  separator: string,
  store: CompanionStore,
): Promise<boolean> {
  const list = body.messages ?? body.input;
  if (!Array.isArray(list)) return false;
  const mark = separator.trim() || separator;
  const found: { tail: Tail; at: number; digest: string }[] = [];
  for (const tail of assistantTails(list)) {
    const at = tail.text.lastIndexOf(mark);
    if (at < 0) continue;
    found.push({ tail, at, digest: companionDigest(tail.text.slice(at + mark.length)) });
  }
  if (found.length === 0) return false;
  const known = await store.known(found.map((f) => f.digest));
  let cut = false;
  for (const { tail, at, digest } of found) {
    if (!known.has(digest)) continue;
    // The whole separator when it is there; else its visible mark, and the space before it.
    const whole = tail.text.lastIndexOf(separator, at);
    tail.set(
      whole >= 0 && whole + separator.length >= at
        ? tail.text.slice(0, whole)
        : tail.text.slice(0, at).trimEnd(),
    );
    cut = true;
  }
  if (list.includes(DROP)) {
    const kept = list.filter((m) => m !== DROP);
    list.splice(0, list.length, ...kept);
  }
  return cut;
}
