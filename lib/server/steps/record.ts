/**
 * The record step, around everything else: what went wrong is rendered in
 * the endpoint's format (errors.ts), every response gets its request id and
 * provider, and when the answer has ended — at once, or at a stream's end —
 * its one log line, metrics and observer hooks go out.
 */
import { errorResponse, ProxyError } from "../../errors.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";
import { finishTrace } from "../../observe/request_trace.ts";

/** Errors that answer before the request body was read to its end. */
const BODY_LEFT_UNREAD = new Set(["request_timeout", "request_too_large", "invalid_body"]);

export async function record(x: Exchange, next: Next): Promise<Answered> {
  const { rt, record } = x;
  rt.open++;
  const server = rt.tracer?.server(
    `${x.req.method} ${x.path}`,
    x.req.headers.get("traceparent"),
    {
      "http.request.method": x.req.method,
      "url.path": x.path,
      "switchyard.request_id": record.request_id,
    },
  );
  if (server) x.trace = { server };
  let answered: Answered;
  try {
    answered = await next();
  } catch (err) {
    if (err instanceof ProxyError) record.error = err.message;
    else rt.logger.error(`request ${record.request_id}: ${(err as Error)?.stack ?? err}`);
    const response = errorResponse(x.format, err, rt.redactor.text);
    // The body was not read to its end: nothing can follow on this connection (listener.ts closes it).
    if (err instanceof ProxyError && BODY_LEFT_UNREAD.has(err.code!)) {
      response.headers.set("connection", "close");
    }
    answered = { response };
  }
  const { response } = answered;
  record.ttfb_ms = Date.now() - record.started;
  record.status = response.status;
  response.headers.set("x-request-id", record.request_id);
  response.headers.set("x-switchyard-provider", record.provider ?? "switchyard");
  const finish = (error: string | null) => {
    if (error !== null) record.error = error;
    record.latency_ms = Date.now() - record.started;
    rt.open--;
    if (x.trace) finishTrace(x.trace, record, rt.redactor.text);
    rt.recorder.finish(record);
    if (x.hooks) rt.hooks.observe(x.hooks, record);
  };
  if (answered.ended) answered.ended.then(finish);
  else finish(null);
  return answered;
}
