/** The request transforms (`transforms`): a request they change no longer goes out byte for byte. */
import type { Answered, Exchange, Next } from "../exchange.ts";

export function transformRequest(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  if (x.rt.transforms.applyToRequest(x.api!, request.model, request.body)) request.raw = undefined;
  return next();
}
