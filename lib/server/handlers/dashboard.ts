/**
 * The dashboard's data (SPEC §15), each useful on its own: `GET /admin/stats`
 * (the last hour in ten-second buckets), `/admin/deployments` (every model's
 * deployments: health, cooldown, latency, success rate, in flight),
 * `/admin/requests` (the last 500, newest first) and `/admin/requests/ID`
 * (one, with its bodies when `log.bodies` keeps them, masked as the logs are).
 */
import { ProxyError } from "../../errors.ts";
import { BUCKET_S, type Dashboard } from "../../observe/dashboard.ts";
import type { Exchange } from "../exchange.ts";

function dashboardOf(x: Exchange): Dashboard {
  const d = x.rt.dashboard;
  if (!d) throw new ProxyError(404, "the dashboard is off (server.ui: false)", "ui_off");
  return d;
}

export function stats(x: Exchange): Response {
  return Response.json({ bucket_s: BUCKET_S, series: dashboardOf(x).series() });
}

export async function deployments(x: Exchange): Promise<Response> {
  const { rt } = x;
  const board = dashboardOf(x);
  const cooling = new Map((await rt.cooldowns.active()).map((c) => [c.deployment, c.seconds_left]));
  const models = rt.models.entries().map(([name, list]) => ({
    name,
    deployments: list.map((d) => ({
      id: d.id,
      provider: d.provider.name,
      model: d.model,
      healthy: !cooling.has(d.id),
      cooldown_s: cooling.get(d.id) ?? null,
      latency_ms: rt.stats.latency(d.id) ?? null,
      in_flight: rt.stats.inFlight(d.id),
      ...board.successRate(d.id),
    })),
  }));
  return Response.json({ models });
}

export function requests(x: Exchange): Response {
  const list = dashboardOf(x).recent().map(({ request_body: _, response_body: __, ...r }) => r);
  return Response.json({ requests: list });
}

export async function request(x: Exchange): Promise<Response> {
  const id = x.path.slice("/admin/requests/".length);
  const found = dashboardOf(x).find(id);
  if (!found) throw new ProxyError(404, `no recent request '${id}'`, "unknown_request");
  const mask = x.rt.redactor.text;
  const { request_body, response_body, ...r } = found;
  return Response.json({
    ...r,
    request_body: request_body === undefined ? null : mask(request_body),
    response_body: response_body === undefined ? null : mask(await response_body),
  });
}
