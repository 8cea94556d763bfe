/** The resolve step: the model's deployments that serve this API, or a 404 that says why. */
import type { Api } from "../../api.ts";
import { ProxyError } from "../../errors.ts";
import { APIS } from "../../api.ts";
import { estimateTokens } from "../../formats/neutral.ts";
import { allPromptText } from "../../formats/text.ts";
import type { Deployment } from "../../routing/resolve.ts";
import type { Runtime } from "../../runtime.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export async function resolveModel(x: Exchange, next: Next): Promise<Answered> {
  const { rt } = x;
  const api = x.api!;
  const request = x.request!;
  const deployments = deploymentsFor(rt, api, request.model);
  if (deployments.length === 0) {
    if (api === "count_tokens") return { response: localTokenCount(request.body) };
    const why = rt.config.routing.translate
      ? ""
      : " in its own format (routing.translate is false)";
    throw new ProxyError(
      404,
      `model '${request.model}' has no deployment that serves ${APIS[api].route}${why}`,
      "model_not_found",
    );
  }
  x.deployments = deployments;
  return await next();
}

/** The deployments of `model` that serve `api`; 404 for a model no entry matches. */
export function deploymentsFor(rt: Runtime, api: Api, model: string): readonly Deployment[] {
  const serving = rt.models.serving(model, api);
  if (!serving) {
    throw new ProxyError(
      404,
      `unknown model '${model}'; configured: ${rt.models.names().join(", ")}`,
      "model_not_found",
    );
  }
  return serving;
}

/** `count_tokens` for a model no Anthropic deployment serves: a local estimate (~4 characters a token). */
function localTokenCount(body: Record<string, unknown>): Response {
  const tools = body.tools ? JSON.stringify(body.tools) : "";
  return Response.json({ input_tokens: estimateTokens(allPromptText(body) + tools) });
}
