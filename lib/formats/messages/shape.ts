/** What a translation reads of an Anthropic messages request. */
import { z } from "zod";
import { parts, text } from "../check.ts";

export const messagesShape = z.looseObject({
  system: z.union([text, parts]).optional(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([text, parts]) })),
  tools: z.array(z.looseObject({ type: z.string().optional() })).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  thinking: z.looseObject({ type: z.string() }).optional(),
  stop_sequences: z.array(text).optional(),
});
