/** The body step: read once (size cap, time limit), parse, and say what was asked. */
import type { Api } from "../../api.ts";
import { parseRequest, readBody } from "../body.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export function readRequest(api: Api) {
  return async (x: Exchange, next: Next): Promise<Answered> => {
    const { rt, record } = x;
    const server = rt.config.server;
    const bytes = await readBody(x.req, {
      maxBytes: Math.floor(server.max_body_mb * 1048576),
      timeoutMs: server.read_timeout_s * 1000,
    });
    const request = parseRequest(
      api,
      bytes,
      x.req.headers.get("content-type"),
      x.query,
      server.raw_text_fallback,
    );
    x.api = api;
    x.request = request;
    x.hooks = {
      requestId: record.request_id,
      route: x.path,
      api,
      model: request.model,
      deployment: null,
      state: {},
    };
    record.model = request.model;
    record.stream = request.stream;
    return await next();
  };
}
