/** With `log.bodies`: the request as it will go upstream (hooks, transforms and usage option applied) for the log. */
import { requestJson } from "../../observe/bodies.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export function logRequestBody(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  x.record.request_body = requestJson(
    request.raw ?? JSON.stringify(request.body),
    x.rt.config.log.max_body_kb * 1024,
  );
  return next();
}
