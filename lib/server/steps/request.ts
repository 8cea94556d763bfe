/**
 * The steps that make the request what goes upstream: its body read and
 * parsed, the plugins' hooks, the transforms, the usage option, its copy for
 * the log. Each is a step of its own in `pipeline.ts`.
 */
import { type Api, APIS, type ClientRequest } from "../../api.ts";
import { ProxyError } from "../../errors.ts";
import { requestJson } from "../../observe/bodies.ts";
import { parseRequest, readBody } from "../body.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

/** The body step: read once (size cap, time limit), parse, and say what was asked. */
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
      x.target,
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

/** The plugins' `onRequest` hooks: they may change anything, or refuse the request. */
export async function requestHooks(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  request.body = await x.rt.hooks.onRequest(x.hooks!, request.body, x.req.headers);
  // A plugin may have changed anything: the request leaves the byte-exact path.
  request.raw = undefined;
  // Gemini's path names the model and the stream: the body has neither.
  if (APIS[x.api!].modelInPath) return await next();
  if (typeof request.body.model !== "string" || request.body.model === "") {
    throw new ProxyError(500, "an onRequest hook left the request without a model", "plugin_error");
  }
  request.model = request.body.model;
  request.stream = request.body.stream === true;
  x.record.model = request.model;
  x.record.stream = request.stream;
  return await next();
}

/** The request transforms (`transforms`): a request they change no longer goes out byte for byte. */
export function transformRequest(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  if (x.rt.transforms.applyToRequest(x.api!, request.model, request.body)) request.raw = undefined;
  return next();
}

/**
 * OpenAI chat streams report usage only when asked
 * (`stream_options.include_usage`). So that a streamed answer logs the same
 * usage and cost as the same answer not streamed, every chat stream asks for
 * it, and the usage-only chunk is taken back out when its client had not.
 */
export function askForStreamUsage(x: Exchange, next: Next): Promise<Answered> {
  if (x.api === "chat") x.usageAdded = askForUsage(x.request!);
  return next();
}

/**
 * Makes a streaming chat request ask for usage; true when the client had not.
 * The raw body keeps its bytes, with the option spliced in at the start.
 */
function askForUsage(request: ClientRequest): boolean {
  const { body } = request;
  if (!request.stream) return false;
  const options = body.stream_options as Record<string, unknown> | undefined;
  if (options?.include_usage === true) return false;
  body.stream_options = { ...options, include_usage: true };
  const open = request.raw?.indexOf("{") ?? -1;
  if (options === undefined && open >= 0) {
    request.raw = `${request.raw!.slice(0, open + 1)}"stream_options":{"include_usage":true},${
      request.raw!.slice(open + 1)
    }`;
  } else request.raw = undefined;
  return true;
}

/** With `log.bodies`: the request as it will go upstream (hooks, transforms and usage option applied), for the log. */
export function logRequestBody(x: Exchange, next: Next): Promise<Answered> {
  const request = x.request!;
  x.record.request_body = requestJson(
    request.raw ?? JSON.stringify(request.body),
    x.rt.config.log.max_body_kb * 1024,
  );
  return next();
}
