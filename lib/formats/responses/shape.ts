/** What a translation reads of a Responses API request. */
import { z } from "zod";
import { parts, text } from "../check.ts";

export const responsesShape = z.looseObject({
  instructions: z.union([text, z.null()]).optional(),
  input: z.union([
    text,
    z.array(
      z.looseObject({
        type: z.string().optional(),
        content: z.union([text, parts, z.null()]).optional(),
      }),
    ),
  ]),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
});
