/** What a translation reads of an OpenAI chat request. */
import { z } from "zod";
import { jsonArgs, parts, text } from "../check.ts";

const message = z.looseObject({
  role: z.string(),
  content: z.union([text, parts, z.null()]).optional(),
  tool_calls: z.array(z.looseObject({
    id: z.string().optional(),
    function: z.looseObject({ name: z.string().optional(), arguments: jsonArgs.optional() })
      .optional(),
  })).nullish(),
  tool_call_id: z.string().optional(),
});
const tool = z.looseObject({
  type: z.string().optional(),
  function: z.looseObject({ name: z.string() }).optional(),
});

export const chatShape = z.looseObject({
  messages: z.array(message),
  tools: z.array(tool).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({})]).nullish(),
  stop: z.union([text, z.array(text)]).nullish(),
});
