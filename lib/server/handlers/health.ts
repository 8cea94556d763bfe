/**
 * `/health`: the process answers. `/health/ready`: every model has a usable
 * deployment (200), listing those in cooldown; else 503.
 */
import type { RequestContext } from "../app.ts";

export function health(): Response {
  return Response.json({ status: "ok" });
}

export function ready(_req: Request, ctx: RequestContext): Response {
  const { cooldown } = ctx.rt.router;
  const unavailable = ctx.rt.models.entries()
    .filter(([, deployments]) => deployments.every((d) => cooldown.cooling(d.id)))
    .map(([model]) => model);
  const body = {
    status: unavailable.length ? "unavailable" : "ok",
    cooldown: cooldown.active(),
    unavailable,
  };
  return Response.json(body, { status: unavailable.length ? 503 : 200 });
}
