/**
 * The route table and the one wrapper every request passes: route and method
 * match, proxy key, request id, error rendering, the request's log line.
 */
import { type ErrorFormat, errorResponse, MethodNotAllowed, ProxyError } from "../errors.ts";
import { type CallRecord, newRecord } from "../observe/record.ts";
import type { HookContext } from "../plugin.ts";
import type { Runtime } from "../runtime.ts";
import { health, ready } from "./handlers/health.ts";
import { metrics } from "./handlers/metrics.ts";
import { listModels } from "./handlers/models.ts";
import { proxy } from "./handlers/proxy.ts";
import { root } from "./handlers/root.ts";

/** Per-request state handlers share. */
export interface RequestContext {
  rt: Runtime;
  /** The URL's path, without the query. */
  path: string;
  /** The query string: `""` or starting with `?`. */
  query: string;
  record: CallRecord;
  format: ErrorFormat;
  /** Set by a handler whose response body is still streaming: it calls `finish` itself. */
  deferred: boolean;
  /** Set by the model-routed handlers: plugin hooks see the request through it. */
  hooks?: HookContext;
  /** Completes the record and writes the log line; once per request. */
  finish(status?: number, error?: string | null): void;
}

export type Handler = (req: Request, ctx: RequestContext) => Promise<Response> | Response;

interface Route {
  format: ErrorFormat;
  methods: Record<string, Handler>;
  /** Answered without a proxy key: always, or when the config says so. */
  public?: boolean | ((rt: Runtime) => boolean);
}

const chat: Route = { format: "openai", methods: { POST: proxy("chat") } };
const responses: Route = { format: "responses", methods: { POST: proxy("responses") } };
const messages: Route = { format: "anthropic", methods: { POST: proxy("messages") } };
const countTokens: Route = { format: "anthropic", methods: { POST: proxy("count_tokens") } };

/** SPEC §5, aliases included. */
const ROUTES = new Map<string, Route>([
  ["/v1/chat/completions", chat],
  ["/chat/completions", chat],
  ["/openai/chat/completions", chat],
  ["/openai/v1/chat/completions", chat],
  ["/v1/responses", responses],
  ["/responses", responses],
  ["/openai/v1/responses", responses],
  ["/v1/completions", { format: "openai", methods: { POST: proxy("completions") } }],
  ["/v1/embeddings", { format: "openai", methods: { POST: proxy("embeddings") } }],
  ["/v1/messages", messages],
  ["/anthropic/v1/messages", messages],
  ["/v1/messages/count_tokens", countTokens],
  ["/anthropic/v1/messages/count_tokens", countTokens],
  ["/v1/models", { format: "openai", methods: { GET: listModels } }],
  ["/health", { format: "openai", methods: { GET: health }, public: true }],
  ["/health/ready", { format: "openai", methods: { GET: ready }, public: true }],
  ["/metrics", {
    format: "openai",
    methods: { GET: metrics },
    public: (rt) => rt.config.server.metrics_public,
  }],
  // Claude Code probes `HEAD /` before its first request.
  ["/", { format: "openai", methods: { GET: root }, public: true }],
]);

/** True for a path in the route table. */
export function isRoute(path: string): boolean {
  return ROUTES.has(path);
}

/** The request handler for Deno.serve. */
export function createApp(rt: Runtime): (req: Request) => Promise<Response> {
  return async (req) => {
    const { path, query } = splitUrl(req.url);
    const id = requestId(req.headers.get("x-request-id"));
    const route = ROUTES.get(path);
    const record = newRecord(id, req.method, path);
    // Whole milliseconds are all the log keeps: Date.now, where performance.now would cost an op call.
    const started = record.started;
    const ctx: RequestContext = {
      rt,
      path,
      query,
      record,
      format: route?.format ?? "openai",
      deferred: false,
      finish(status, error) {
        if (status !== undefined) record.status = status;
        if (error !== undefined) record.error = error;
        record.latency_ms = Date.now() - started;
        rt.recorder.finish(record);
        if (ctx.hooks) rt.hooks.observe(ctx.hooks, record);
      },
    };
    let res: Response;
    try {
      res = await dispatch(req, route, ctx);
    } catch (err) {
      if (err instanceof ProxyError) record.error = err.message;
      else rt.logger.error(`request ${id}: ${(err as Error)?.stack ?? err}`);
      res = errorResponse(ctx.format, err, rt.redactor.text);
      // The body was not read to its end: nothing can follow on this connection (listener.ts closes it).
      if (err instanceof ProxyError && BODY_LEFT_UNREAD.has(err.code!)) {
        res.headers.set("connection", "close");
      }
    }
    record.ttfb_ms ??= Date.now() - started;
    record.status ||= res.status;
    res.headers.set("x-request-id", id);
    res.headers.set("x-switchyard-provider", record.provider ?? "switchyard");
    if (!ctx.deferred) ctx.finish();
    return res;
  };
}

/** Errors that answer before the request body was read to its end. */
const BODY_LEFT_UNREAD = new Set(["request_timeout", "request_too_large", "invalid_body"]);

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,128}$/;

/** The client's request id when it is a sane one (1–128 printable ASCII characters), else a fresh one. */
function requestId(given: string | null): string {
  return given !== null && PRINTABLE_ASCII.test(given) ? given : crypto.randomUUID();
}

/** Path and query of an absolute request URL, without a URL object's parsing. */
function splitUrl(url: string): { path: string; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", start);
  return q < 0
    ? { path: url.slice(start), query: "" }
    : { path: url.slice(start, q), query: url.slice(q) };
}

function dispatch(
  req: Request,
  route: Route | undefined,
  ctx: RequestContext,
): Promise<Response> | Response {
  if (!route) {
    throw new ProxyError(404, `unknown route ${req.method} ${ctx.path}`, "unknown_route");
  }
  const method = req.method === "HEAD" ? "GET" : req.method;
  const handler = route.methods[method];
  if (!handler) {
    throw new MethodNotAllowed(
      Object.keys(route.methods).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])),
    );
  }
  const open = typeof route.public === "function" ? route.public(ctx.rt) : route.public;
  if (!open && !ctx.rt.keys.allows(req.headers)) {
    throw new ProxyError(
      401,
      "missing or invalid proxy key: send 'Authorization: Bearer <key>' or 'x-api-key'",
      "invalid_api_key",
    );
  }
  return handler(req, ctx);
}
