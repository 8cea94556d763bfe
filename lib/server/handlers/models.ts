/**
 * `GET /v1/models`: the configured exact model names, in OpenAI's list
 * format, or Anthropic's when the client sends `anthropic-version` (the
 * Anthropic SDK does).
 */
import { clientFormat } from "../../formats/index.ts";
import { mayCall } from "../../keys/keys.ts";
import type { Exchange } from "../exchange.ts";

export function listModels(x: Exchange): Response {
  const { models } = x.rt;
  const caller = x.caller;
  // A virtual key sees only the models it may call.
  const names = caller?.kind === "key"
    ? models.exactNames().filter((name) => mayCall(caller.key, name))
    : models.exactNames();
  const format = clientFormat(x.req.headers.has("anthropic-version") ? "messages" : "chat")!;
  return Response.json(
    format.modelList!(names, (name) => models.resolve(name)?.[0]?.provider.name ?? "switchyard"),
  );
}
