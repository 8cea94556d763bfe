/**
 * The shape a translation reads, checked before it reads it: a client's
 * malformed request (`messages: [null]`) is a 400 naming the path, never a
 * crash in the translator. Only what translation touches is checked; every
 * other field stays the upstream's to judge, as on same-format routes.
 */
import { z } from "zod";
import { ProxyError } from "../errors.ts";
import type { Api } from "../providers/types.ts";

const part = z.looseObject({ type: z.string() });
const parts = z.array(part);
const text = z.string();
const jsonArgs = z.union([z.string(), z.record(z.string(), z.unknown())]);

const chatMessage = z.looseObject({
  role: z.string(),
  content: z.union([text, parts, z.null()]).optional(),
  tool_calls: z.array(z.looseObject({
    id: z.string().optional(),
    function: z.looseObject({ name: z.string().optional(), arguments: jsonArgs.optional() })
      .optional(),
  })).nullish(),
  tool_call_id: z.string().optional(),
});
const chatTool = z.looseObject({
  type: z.string().optional(),
  function: z.looseObject({ name: z.string() }).optional(),
});

const chat = z.looseObject({
  messages: z.array(chatMessage),
  tools: z.array(chatTool).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({})]).nullish(),
  stop: z.union([text, z.array(text)]).nullish(),
});

const messages = z.looseObject({
  system: z.union([text, parts]).optional(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([text, parts]) })),
  tools: z.array(z.looseObject({ type: z.string().optional() })).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  thinking: z.looseObject({ type: z.string() }).optional(),
  stop_sequences: z.array(text).optional(),
});

const responses = z.looseObject({
  instructions: z.union([text, z.null()]).optional(),
  input: z.union([
    text,
    z.array(
      z.looseObject({ type: z.string().optional(), content: z.union([text, parts]).optional() }),
    ),
  ]),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
});

const embeddings = z.looseObject({
  input: z.union([text, z.array(z.unknown())]),
});

const SCHEMAS: Partial<Record<Api, z.ZodType>> = { chat, messages, responses, embeddings };

/** Throws a 400 naming each wrong path (the first few) when `body` is not what a translation of `api` reads. */
export function checkTranslatable(api: Api, body: Record<string, unknown>): void {
  const result = SCHEMAS[api]?.safeParse(body);
  if (!result || result.success) return;
  const problems = result.error.issues.slice(0, 3).map((issue) =>
    `${issue.path.join(".") || "(body)"}: ${issue.message}`
  );
  throw new ProxyError(
    400,
    `the request cannot be translated for this model's provider: ${problems.join("; ")}`,
    "invalid_request",
  );
}
