/** The answer cache step: a non-streaming request answered before may be answered again, as it was. */
import { cacheControl, cacheKey, cacheScope } from "../../cache.ts";
import { clientFormat } from "../../formats/index.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";
import { presented } from "./identify.ts";

export async function answerCache(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  const store = x.rt.cache!;
  if (request.stream) return await next();
  const key = cacheKey([
    x.api!,
    // Gemini's path names the model: the body does not.
    request.model,
    ...cacheScope(
      presented(x) ?? "",
      x.query,
      x.req.headers,
      clientFormat(x.api!)?.headerPrefix,
    ),
    request.raw ?? JSON.stringify(request.body),
  ]);
  const control = cacheControl(x.req.headers);
  const hit = control.read ? await store.get(key) : undefined;
  if (hit) {
    Object.assign(x.record, { provider: "cache", upstream_model: hit.model });
    const headers = new Headers(hit.headers);
    headers.set("x-switchyard-cache", "hit");
    return { response: new Response(hit.body.slice(), { status: hit.status, headers }) };
  }
  const answered = await next();
  const res = answered.response;
  if (!control.write || !res.ok) return answered;
  const body = await res.bytes();
  await store.set(key, {
    status: res.status,
    headers: [...res.headers],
    body,
    provider: x.record.provider,
    model: x.record.upstream_model,
  });
  return { response: new Response(body, res) };
}
