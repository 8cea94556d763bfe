/**
 * Byte-level JSON helpers for the pass-through path, where parsing or
 * re-serialising a whole body would cost more than the one field we need.
 */

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return i;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && " \t\r\n".includes(text[i])) i++;
  return i;
}

/** Shared: the scan below is synchronous, so one lastIndex is never used twice at once. */
const STRUCTURE = /["{}[\]]/g;

/**
 * `text` (a JSON object) with the top-level string member `key` set to
 * `value`, everything else byte for byte; undefined when there is no such
 * string member. Scans only as far as the key.
 */
export function setTopLevelString(text: string, key: string, value: string): string | undefined {
  const re = STRUCTURE;
  re.lastIndex = 0;
  let depth = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const i = m.index;
    if (m[0] !== '"') {
      depth += m[0] === "{" || m[0] === "[" ? 1 : -1;
      continue;
    }
    const end = stringEnd(text, i);
    if (end < 0) return undefined;
    re.lastIndex = end + 1;
    if (depth !== 1) continue;
    const colon = skipSpace(text, end + 1);
    if (text[colon] !== ":" || text.slice(i + 1, end) !== key) continue;
    const start = skipSpace(text, colon + 1);
    if (text[start] !== '"') return undefined;
    const valueEnd = stringEnd(text, start);
    if (valueEnd < 0) return undefined;
    return text.slice(0, start) + JSON.stringify(value) + text.slice(valueEnd + 1);
  }
  return undefined;
}

/** The JSON object starting at `start` (a `{`), as text; undefined when unbalanced. */
export function objectAt(text: string, start: number): string | undefined {
  const re = STRUCTURE;
  re.lastIndex = start;
  let depth = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '"') {
      const end = stringEnd(text, m.index);
      if (end < 0) return undefined;
      re.lastIndex = end + 1;
    } else if (m[0] === "{" || m[0] === "[") depth++;
    else if (--depth === 0) return text.slice(start, m.index + 1);
  }
  return undefined;
}
