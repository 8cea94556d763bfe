/** `GET /metrics`: Prometheus text exposition, secrets masked (they should never be there). */
import type { RequestContext } from "../app.ts";

export function metrics(_req: Request, ctx: RequestContext): Response {
  const text = ctx.rt.redactor.text(ctx.rt.metrics.text());
  return new Response(text, { headers: { "content-type": ctx.rt.metrics.contentType } });
}
