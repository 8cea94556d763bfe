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
import { listGeminiModels, listModels, showGeminiModel } from "./handlers/models.ts";
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
const completions: Route = { format: "openai", methods: { POST: "completions" } };
const embeddings: Route = { format: "openai", methods: { POST: "embeddings" } };
const models: Route = { format: "openai", methods: { GET: listModels } };
const geminiGenerate: Route = { format: "google", methods: { POST: "gemini_generate" } };

/** Gemini's routes name the model and its method in the path: `/v1beta/models/M:generateContent`. */
const GEMINI_MODELS = "/v1beta/models/";
const GEMINI_METHODS: Record<string, Route> = {
  generateContent: geminiGenerate,
  streamGenerateContent: geminiGenerate,
  countTokens: { format: "google", methods: { POST: "gemini_count_tokens" } },
};
const geminiModel: Route = { format: "google", methods: { GET: showGeminiModel } };

/** SPEC §5, aliases included (LiteLLM's clients often use a base URL without `/v1`). */
const ROUTES = new Map<string, Route>([
  ["/v1/chat/completions", chat],
  ["/chat/completions", chat],
  ["/openai/chat/completions", chat],
  ["/openai/v1/chat/completions", chat],
  ["/v1/responses", responses],
  ["/responses", responses],
  ["/openai/v1/responses", responses],
  ["/v1/completions", completions],
  ["/completions", completions],
  ["/v1/embeddings", embeddings],
  ["/embeddings", embeddings],
  ["/v1/messages", messages],
  ["/anthropic/v1/messages", messages],
  ["/v1/messages/count_tokens", countTokens],
  ["/anthropic/v1/messages/count_tokens", countTokens],
  ["/v1/models", models],
  ["/models", models],
  ["/v1beta/models", { format: "google", methods: { GET: listGeminiModels } }],
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

/** What a Gemini model path names: the model, and its method (null: the model itself). */
interface GeminiPath {
  model: string;
  method: string | null;
}

/** A Gemini model path's model and method; undefined when the path is not one. */
function geminiPath(path: string): GeminiPath | undefined {
  if (!path.startsWith(GEMINI_MODELS)) return undefined;
  const rest = path.slice(GEMINI_MODELS.length);
  const colon = rest.lastIndexOf(":");
  const method = colon < 0 ? null : rest.slice(colon + 1);
  if (method !== null && !Object.hasOwn(GEMINI_METHODS, method)) return undefined;
  let model: string;
  try {
    model = decodeURIComponent(colon < 0 ? rest : rest.slice(0, colon));
  } catch {
    throw new ProxyError(
      400,
      "the model name in the path is not valid URL encoding",
      "invalid_model",
    );
  }
  return model ? { model, method } : undefined;
}

/** The route of a path and, for a Gemini model path, what it names (parsed once). */
function routeOf(path: string): { route: Route; gemini?: GeminiPath } | undefined {
  const found = ROUTES.get(path) ?? PREFIXED.find(([prefix]) => path.startsWith(prefix))?.[1];
  if (found) return { route: found };
  const gemini = geminiPath(path);
  if (!gemini) return undefined;
  return { route: gemini.method === null ? geminiModel : GEMINI_METHODS[gemini.method], gemini };
}

/**
 * The route a path counts under in metrics: itself, or the prefix of a route
 * with a name at its end — never the name, which a client chooses.
 */
export function routeLabel(path: string): string | null {
  if (ROUTES.has(path)) return path;
  const prefix = PREFIXED.find(([prefix]) => path.startsWith(prefix))?.[0];
  if (prefix) return prefix;
  try {
    const gemini = geminiPath(path);
    if (gemini) return `${GEMINI_MODELS}{model}${gemini.method ? `:${gemini.method}` : ""}`;
  } catch { /* not a model name: no route */ }
  return null;
}

/** The request handler. */
export function createApp(rt: Runtime): (req: Request) => Promise<Response> {
  // Every route and method's endpoint, built once: a model-routed API's pipeline holds only the steps the config uses.
  const pipelines = new Map<Api, Endpoint["handle"]>();
  const endpoints = new Map<Route, Record<string, Endpoint>>();
  const all = [...ROUTES.values(), ...PREFIXED.map(([, r]) => r), ...Object.values(GEMINI_METHODS)];
  for (const found of new Set([...all, geminiModel])) {
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
    const endpoint = endpoints.get(found.route)![x.req.method === "HEAD" ? "GET" : x.req.method];
    if (!endpoint) {
      throw new MethodNotAllowed(
        Object.keys(found.route.methods).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])),
      );
    }
    x.endpoint = endpoint;
    const gemini = found.gemini;
    if (gemini) {
      const stream = gemini.method === "streamGenerateContent";
      // Without `alt=sse` Gemini streams one JSON array.
      const array = stream && new URLSearchParams(x.query).get("alt") !== "sse";
      x.target = { model: gemini.model, stream, array };
    }
    return next();
  };

  // Every `/v1beta/…` path answers in Google's format, an unknown one too.
  const formatOf = (path: string): ErrorFormat =>
    path.startsWith("/v1beta/") ? "google" : routeOf(path)?.route.format ?? "openai";
  return requestPipeline(rt, route, formatOf);
}
