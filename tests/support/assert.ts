/** Assertions from Node's built-in `assert/strict` (JSR's @std/assert is unreachable here). */
import { deepStrictEqual, match, ok } from "node:assert/strict";

export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  deepStrictEqual(actual, expected, message);
}

export function assert(value: unknown, message?: string): asserts value {
  ok(value, message);
}

export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  match(text, pattern, message);
}
