/**
 * `GET /v1/models`: the configured exact model names, in OpenAI's list
 * format, or Anthropic's when the client sends `anthropic-version` (the
 * Anthropic SDK does); Gemini's on its own routes.
 */
import type { Api } from "../../api.ts";
import { ProxyError } from "../../errors.ts";
import { clientFormat } from "../../formats/index.ts";
import { asArray, type Json } from "../../formats/json.ts";
import { mayCall } from "../../keys/keys.ts";
import type { Exchange } from "../exchange.ts";

/** The exact model names the caller may see: a virtual key sees only those it may call. */
function visibleNames(x: Exchange): string[] {
  const caller = x.caller;
  const names = x.rt.models.exactNames();
  return caller?.kind === "key" ? names.filter((name) => mayCall(caller.key, name)) : names;
}

function listIn(x: Exchange, api: Api): Json {
  const { models } = x.rt;
  return clientFormat(api)!.modelList!(
    visibleNames(x),
    (name) => models.resolve(name)?.[0]?.provider.name ?? "switchyard",
  );
}

export function listModels(x: Exchange): Response {
  return Response.json(listIn(x, x.req.headers.has("anthropic-version") ? "messages" : "chat"));
}

/** `GET /v1beta/models`: Gemini's list, names as `models/NAME`. */
export function listGeminiModels(x: Exchange): Response {
  return Response.json(listIn(x, "gemini_generate"));
}

/** `GET /v1beta/models/NAME`: one of Gemini's list, or 404. */
export function showGeminiModel(x: Exchange): Response {
  const name = x.target!.model;
  const found = asArray(listIn(x, "gemini_generate").models).find((m) =>
    m.name === `models/${name}`
  );
  if (!found) throw new ProxyError(404, `model 'models/${name}' is not listed`, "model_not_found");
  return Response.json(found);
}
