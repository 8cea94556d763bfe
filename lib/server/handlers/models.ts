/**
 * `GET /v1/models`: the configured exact model names, in OpenAI's list format,
 * or Anthropic's when the client sends `anthropic-version` (the Anthropic SDK does).
 */
import type { RequestContext } from "../app.ts";

export function listModels(req: Request, ctx: RequestContext): Response {
  const names = ctx.rt.models.exactNames();
  if (req.headers.has("anthropic-version")) {
    const data = names.map((id) => ({
      type: "model",
      id,
      display_name: id,
      created_at: "1970-01-01T00:00:00Z",
    }));
    return Response.json({
      data,
      has_more: false,
      first_id: names[0] ?? null,
      last_id: names.at(-1) ?? null,
    });
  }
  const data = names.map((id) => ({
    id,
    object: "model",
    created: 0,
    owned_by: ctx.rt.models.resolve(id)?.[0]?.provider.name ?? "switchyard",
  }));
  return Response.json({ object: "list", data });
}
