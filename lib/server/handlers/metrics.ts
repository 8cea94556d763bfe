/** `GET /metrics`: Prometheus text exposition, secrets masked (they should never be there). */
import type { Exchange } from "../exchange.ts";

export async function metrics(x: Exchange): Promise<Response> {
  const text = x.rt.redactor.text(await x.rt.metrics.text());
  return new Response(text, { headers: { "content-type": x.rt.metrics.contentType } });
}
