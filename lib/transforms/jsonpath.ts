/**
 * JSONPath rules on a request body (jsonpath-plus): `drop` removes every node
 * a path matches, filters included; `set` writes a value, creating missing
 * objects on plain paths.
 */
import { JSONPath } from "jsonpath-plus";

type Json = Record<string, unknown>;

/**
 * Why a path is unusable, or null when it is fine. jsonpath-plus compiles a
 * filter only when a node reaches it, so each filter is compiled against a
 * probe here, and a filter split apart by a missing `)]` (which the parser
 * takes as plain names) is caught by its shape: at check time, not on the
 * first request it matches.
 */
export function pathProblem(path: string): string | null {
  if (!path.startsWith("$")) return "a JSONPath starts with '$'";
  try {
    const parts = JSONPath.toPathArray(path).map(String);
    for (const part of parts) {
      const filter = /^\?\((.*)\)$/s.exec(part);
      if (filter) JSONPath({ path: `$[?(${filter[1]})]`, json: [{}], wrap: true });
      else if (part.startsWith("?") || (part.startsWith("(") && !part.endsWith(")"))) {
        return `invalid JSONPath: a filter or script must be written [?(…)] or [(…)], closed by ')]' (at '${part}')`;
      }
    }
    JSONPath({ path, json: {}, wrap: true });
    return null;
  } catch (err) {
    return `invalid JSONPath: ${(err as Error).message}`;
  }
}

interface Match {
  parent: Json | unknown[];
  parentProperty: string | number;
}

/** Removes every node `path` matches; true when something was removed. */
export function dropPath(body: Json, path: string): boolean {
  const matches = JSONPath({ path, json: body, resultType: "all" }) as Match[];
  // Array elements go from the highest index down, so earlier indexes stay valid.
  const ordered = [...matches].sort((a, b) => Number(b.parentProperty) - Number(a.parentProperty));
  for (const m of ordered) {
    if (Array.isArray(m.parent)) m.parent.splice(Number(m.parentProperty), 1);
    else if (m.parent && typeof m.parent === "object") delete (m.parent as Json)[m.parentProperty];
  }
  return matches.length > 0;
}

/** Sets `value` at `path`: plain paths are created as needed; other paths set what they match. */
export function setPath(body: Json, path: string, value: unknown): boolean {
  const parts = JSONPath.toPathArray(path).slice(1).map(String);
  const plain = parts.length > 0 && parts.every((p) => !/^[?(*]|^\.\.|[*?]/.test(p));
  if (plain) {
    let node: Json = body;
    for (const key of parts.slice(0, -1)) {
      if (node[key] === null || typeof node[key] !== "object") node[key] = {};
      node = node[key] as Json;
    }
    node[parts.at(-1)!] = structuredClone(value);
    return true;
  }
  const matches = JSONPath({ path, json: body, resultType: "all" }) as Match[];
  for (const m of matches) (m.parent as Json)[m.parentProperty] = structuredClone(value);
  return matches.length > 0;
}
