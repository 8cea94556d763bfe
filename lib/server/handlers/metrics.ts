/** `GET /metrics`: Prometheus text exposition, secrets masked (they should never be there). */
import type { Exchange } from "../exchange.ts";

export function metrics(x: Exchange): Response {
  const text = x.rt.redactor.text(x.rt.metrics.text());
  return new Response(text, { headers: { "content-type": x.rt.metrics.contentType } });
}
