/**
 * `/health`: the process answers. `/health/ready`: every model has a usable
 * deployment (200), listing those in cooldown; else 503.
 */
import type { Exchange } from "../exchange.ts";

export function health(): Response {
  return Response.json({ status: "ok" });
}

export async function ready(x: Exchange): Promise<Response> {
  const { rt } = x;
  const cooldown = await rt.cooldowns.active();
  const cooling = new Set(cooldown.map((c) => c.deployment));
  const unavailable = rt.models.entries()
    .filter(([, deployments]) => deployments.every((d) => cooling.has(d.id)))
    .map(([model]) => model);
  const body = { status: unavailable.length ? "unavailable" : "ok", cooldown, unavailable };
  return Response.json(body, { status: unavailable.length ? 503 : 200 });
}
