/**
 * The shape a translation reads, checked before it reads it: a client's
 * malformed request (`messages: [null]`) is a 400 naming the path, never a
 * crash in the translator. Only what translation touches is checked; every
 * other field stays the upstream's to judge, as on same-format routes.
 */
import { z } from "zod";
import { ProxyError } from "../errors.ts";

/** Pieces the formats' shapes share. */
export const part = z.looseObject({ type: z.string() });
export const parts = z.array(part);
export const text = z.string();
export const jsonArgs = z.union([z.string(), z.record(z.string(), z.unknown())]);

/** A check that throws a 400 naming each wrong path (the first few) when a body is not of `shape`. */
export function shapeCheck(shape: z.ZodType): (body: Record<string, unknown>) => void {
  return (body) => {
    const result = shape.safeParse(body);
    if (result.success) return;
    const problems = result.error.issues.slice(0, 3).map((issue) =>
      `${issue.path.join(".") || "(body)"}: ${issue.message}`
    );
    throw new ProxyError(
      400,
      `the request cannot be translated for this model's provider: ${problems.join("; ")}`,
      "invalid_request",
    );
  };
}

/** A 400 for content a translation has no way to carry to this provider: never dropped unsaid. */
export function untranslatable(what: string): ProxyError {
  return new ProxyError(
    400,
    `the request cannot be translated for this model's provider: ${what}`,
    "untranslatable_content",
  );
}
