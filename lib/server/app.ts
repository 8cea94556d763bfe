/**
 * The route table, and the request handler built from it: each route fixes
 * its error format and its handler; every request goes through the steps of
 * `pipeline.ts`.
 */
import type { Api, ErrorFormat } from "../api.ts";
import { MethodNotAllowed, ProxyError } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import type { Endpoint, Exchange, Next } from "./exchange.ts";
import { health, ready } from "./handlers/health.ts";
import { metrics } from "./handlers/metrics.ts";
import { listKeys, showKey } from "./handlers/keys.ts";
import { reload, showConfig } from "./handlers/admin.ts";
import { deployments, request, requests, stats } from "./handlers/dashboard.ts";
import { ui, UI_PATHS } from "./handlers/ui.ts";
import { listModels } from "./handlers/models.ts";
import { root } from "./handlers/root.ts";
import { modelPipeline, requestPipeline } from "./pipeline.ts";

/** What a route's method does: a model-routed API, or a plain handler. */
type Action = Api | ((x: Exchange) => Response | Promise<Response>);

interface Route {
  format: ErrorFormat;
  methods: Record<string, Action>;
  /** Answered without a proxy key: always, or when the config says so. */
  public?: boolean | ((rt: Runtime) => boolean);
  /** Answered to admin keys only. */
  admin?: boolean;
}

/** An admin route the dashboard reads: open to anyone with `server.ui_public`. */
function dashboardRead(handler: (x: Exchange) => Response | Promise<Response>): Route {
  return {
    format: "openai",
    methods: { GET: handler },
    admin: true,
    public: (rt) => rt.config.server.ui_public,
  };
}

const chat: Route = { format: "openai", methods: { POST: "chat" } };
const responses: Route = { format: "responses", methods: { POST: "responses" } };
const messages: Route = { format: "anthropic", methods: { POST: "messages" } };
const countTokens: Route = { format: "anthropic", methods: { POST: "count_tokens" } };

/** SPEC §5, aliases included. */
const ROUTES = new Map<string, Route>([
  ["/v1/chat/completions", chat],
  ["/chat/completions", chat],
  ["/openai/chat/completions", chat],
  ["/openai/v1/chat/completions", chat],
  ["/v1/responses", responses],
  ["/responses", responses],
  ["/openai/v1/responses", responses],
  ["/v1/completions", { format: "openai", methods: { POST: "completions" } }],
  ["/v1/embeddings", { format: "openai", methods: { POST: "embeddings" } }],
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
    admin: true,
  }],
  ["/admin/keys", dashboardRead(listKeys)],
  ["/admin/reload", { format: "openai", methods: { POST: reload }, admin: true }],
  ["/admin/config", dashboardRead(showConfig)],
  ["/admin/stats", dashboardRead(stats)],
  ["/admin/deployments", dashboardRead(deployments)],
  ["/admin/requests", dashboardRead(requests)],
  ...UI_PATHS.map((path): [string, Route] => [path, {
    format: "openai",
    methods: { GET: ui },
    public: true,
  }]),
  // Claude Code probes `HEAD /` before its first request.
  ["/", { format: "openai", methods: { GET: root }, public: true }],
]);

/** Routes with a name at their end (`/admin/keys/NAME`), by prefix. */
const PREFIXED: [string, Route][] = [
  ["/admin/keys/", dashboardRead(showKey)],
  ["/admin/requests/", dashboardRead(request)],
];

function routeOf(path: string): Route | undefined {
  return ROUTES.get(path) ?? PREFIXED.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/**
 * The route a path counts under in metrics: itself, or the prefix of a route
 * with a name at its end — never the name, which a client chooses.
 */
export function routeLabel(path: string): string | null {
  if (ROUTES.has(path)) return path;
  return PREFIXED.find(([prefix]) => path.startsWith(prefix))?.[0] ?? null;
}

/** The request handler. */
export function createApp(rt: Runtime): (req: Request) => Promise<Response> {
  // Every route and method's endpoint, built once: a model-routed API's pipeline holds only the steps the config uses.
  const pipelines = new Map<Api, Endpoint["handle"]>();
  const endpoints = new Map<Route, Record<string, Endpoint>>();
  for (const found of new Set([...ROUTES.values(), ...PREFIXED.map(([, r]) => r)])) {
    const open = typeof found.public === "function" ? found.public(rt) : found.public === true;
    const admin = found.admin === true;
    const methods: Record<string, Endpoint> = {};
    for (const [method, action] of Object.entries(found.methods)) {
      let handle: Endpoint["handle"];
      if (typeof action === "string") {
        handle = pipelines.get(action) ?? modelPipeline(rt, action);
        pipelines.set(action, handle);
      } else handle = async (x) => ({ response: await action(x) });
      methods[method] = { open, admin, handle };
    }
    endpoints.set(found, methods);
  }

  /** The route step: the endpoint of the route and method, or 404 / 405. */
  const route = (x: Exchange, next: Next) => {
    const found = routeOf(x.path);
    if (!found) {
      throw new ProxyError(404, `unknown route ${x.req.method} ${x.path}`, "unknown_route");
    }
    const endpoint = endpoints.get(found)![x.req.method === "HEAD" ? "GET" : x.req.method];
    if (!endpoint) {
      throw new MethodNotAllowed(
        Object.keys(found.methods).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])),
      );
    }
    x.endpoint = endpoint;
    return next();
  };

  return requestPipeline(rt, route, (path) => routeOf(path)?.format ?? "openai");
}
