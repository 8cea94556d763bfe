/** `GET /metrics`: Prometheus text exposition, secrets masked (they should never be there). */
import type { RequestContext } from "../app.ts";

export async function metrics(_req: Request, ctx: RequestContext): Promise<Response> {
  const text = ctx.rt.redactor.text(await ctx.rt.metrics.text());
  return new Response(text, { headers: { "content-type": ctx.rt.metrics.contentType } });
}
