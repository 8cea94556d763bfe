/** Small helpers every format uses to read JSON it does not trust. */

export type Json = Record<string, unknown>;

/**
 * Told the name of each field or block a translation had to drop; `changed`
 * when that changes the answer itself (thinking turned off), which the log
 * then says at info rather than debug.
 */
export type Drop = (what: string, changed?: boolean) => void;

/** A count from JSON that may not hold one: the number, or 0. */
export const count = (v: unknown): number => (typeof v === "number" ? v : 0);

/** The count at `key` of an object that may be missing. */
export const countIn = (v: unknown, key: string): number => count((v as Json | undefined)?.[key]);

/** `v` when it is an array, else an empty one. */
export const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

/**
 * Tool arguments as an object: JSON text parsed, an object as it is, nothing
 * as `{}`; text that is not JSON is kept, wrapped as `{ arguments }`, so
 * nothing the model wrote is lost.
 */
export function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  if (args.trim() === "") return {};
  try {
    return JSON.parse(args);
  } catch {
    return { arguments: args };
  }
}

/** The items `keep` accepts; each other one is reported dropped. */
export function keepOnly(
  items: Json[],
  keep: (item: Json) => boolean,
  drop: Drop,
  what: (item: Json) => string,
): Json[] {
  return items.filter((item) => {
    if (keep(item)) return true;
    drop(what(item));
    return false;
  });
}

/** Reports each of `keys` that `body` sets: fields the other side has no place for. */
export function dropFields(body: Json, keys: readonly string[], drop: Drop): void {
  for (const k of keys) if (body[k] !== undefined && body[k] !== null) drop(k);
}
