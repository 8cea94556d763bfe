/** The plugins' `onRequest` hooks: they may change anything, or refuse the request. */
import { ProxyError } from "../../errors.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export async function requestHooks(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  request.body = await x.rt.hooks.onRequest(x.hooks!, request.body, x.req.headers);
  // A plugin may have changed anything: the request leaves the byte-exact path.
  request.raw = undefined;
  if (typeof request.body.model !== "string" || request.body.model === "") {
    throw new ProxyError(500, "an onRequest hook left the request without a model", "plugin_error");
  }
  request.model = request.body.model;
  request.stream = request.body.stream === true;
  x.record.model = request.model;
  x.record.stream = request.stream;
  return await next();
}
