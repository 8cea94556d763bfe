/**
 * The model-routed endpoints: read the body once, resolve the model, route,
 * and relay what the upstream said — byte for byte when formats match; a
 * non-streaming answer may come from, and go to, the answer cache.
 */
import { ProxyError } from "../../errors.ts";
import type { Api } from "../../providers/types.ts";
import type { Deployment } from "../../routing/resolve.ts";
import type { Routed } from "../../routing/router.ts";
import { estimateTokens } from "../../translate/answer.ts";
import { allPromptText } from "../../translate/prompt_text.ts";
import { forwardableHeaders } from "../../transforms/headers.ts";
import type { Runtime } from "../../runtime.ts";
import {
  appendToJson,
  Companion,
  companionText,
  spliceStream,
  type Splitter,
} from "../../splitter.ts";
import type { Handler, RequestContext } from "../app.ts";
import { AnswerCache, cacheControl, cacheScope } from "../../cache.ts";
import { presentedKey } from "../auth.ts";
import { type ClientRequest, parseRequest, readBody } from "../body.ts";
import { respond } from "../respond.ts";
import type { HookContext } from "../../plugin.ts";
import { type CallRecord, newRecord } from "../../observe/record.ts";
import { askForStreamUsage } from "../../observe/stream_usage.ts";
import { requestJson } from "../../observe/bodies.ts";
import { rewriterFor } from "../../transforms/response_regex.ts";
import { canServe } from "../../translate/plan.ts";

const ROUTE_NAMES: Record<Api, string> = {
  chat: "/v1/chat/completions",
  completions: "/v1/completions",
  embeddings: "/v1/embeddings",
  responses: "/v1/responses",
  messages: "/v1/messages",
  count_tokens: "/v1/messages/count_tokens",
  ollama_chat: "/api/chat",
  ollama_embed: "/api/embed",
};

/** The handler for one client API. */
export function proxy(api: Api): Handler {
  return async (req, ctx) => {
    const { request, usageAdded } = await prepare(api, req, ctx);
    const cache = ctx.rt.cache;
    if (!cache || request.stream) return await answer(api, req, ctx, request, usageAdded);

    const key = AnswerCache.key([
      api,
      ...cacheScope(presentedKey(req.headers) ?? "", ctx.query, req.headers),
      request.raw ?? JSON.stringify(request.body),
    ]);
    const control = cacheControl(req.headers);
    const hit = control.read ? cache.get(key) : undefined;
    if (hit) {
      Object.assign(ctx.record, { provider: "cache", upstream_model: hit.model });
      const headers = new Headers(hit.headers);
      headers.set("x-switchyard-cache", "hit");
      return new Response(hit.body.slice(), { status: hit.status, headers });
    }
    const res = await answer(api, req, ctx, request, usageAdded);
    if (!control.write || !res.ok) return res;
    const body = await res.bytes();
    cache.set(key, {
      status: res.status,
      headers: [...res.headers],
      body,
      provider: ctx.record.provider,
      model: ctx.record.upstream_model,
    });
    return new Response(body, res);
  };
}

/** Reads and parses the body, runs `onRequest` hooks and transforms: the request as it will be routed. */
async function prepare(
  api: Api,
  req: Request,
  ctx: RequestContext,
): Promise<{ request: ClientRequest; usageAdded: boolean }> {
  const { rt, record } = ctx;
  const server = rt.config.server;
  const bytes = await readBody(req, {
    maxBytes: Math.floor(server.max_body_mb * 1048576),
    timeoutMs: server.read_timeout_s * 1000,
  });
  const request = parseRequest(
    api,
    bytes,
    req.headers.get("content-type"),
    ctx.query,
    server.raw_text_fallback,
  );
  ctx.hooks = {
    requestId: record.request_id,
    route: ctx.path,
    api,
    model: request.model,
    deployment: null,
    state: {},
  };
  if (rt.hooks.has("onRequest")) {
    // A plugin may change anything: the request leaves the byte-exact path.
    request.body = await rt.hooks.onRequest(ctx.hooks, request.body, req.headers);
    request.raw = undefined;
    if (typeof request.body.model !== "string" || request.body.model === "") {
      throw new ProxyError(
        500,
        "an onRequest hook left the request without a model",
        "plugin_error",
      );
    }
    request.model = request.body.model;
    request.stream = request.body.stream === true;
  }
  record.model = request.model;
  record.stream = request.stream;
  // A transformed request can no longer go out byte for byte; an untouched one still does.
  if (rt.transforms.applyToRequest(api, request.model, request.body)) request.raw = undefined;
  const usageAdded = api === "chat" && askForStreamUsage(request);
  if (rt.recorder.wantsBodies) {
    record.request_body = requestJson(
      request.raw ?? JSON.stringify(request.body),
      rt.config.log.max_body_kb * 1024,
    );
  }
  return { request, usageAdded };
}

/** Routes the request (and the splitter's companion) and makes the client's response. */
async function answer(
  api: Api,
  req: Request,
  ctx: RequestContext,
  request: ClientRequest,
  usageAdded: boolean,
): Promise<Response> {
  const { rt, record } = ctx;
  const hooks = ctx.hooks!;
  const deployments = deploymentsFor(rt, api, request.model);
  if (deployments.length === 0) {
    if (api === "count_tokens") return localTokenCount(request.body);
    const why = rt.config.routing.translate
      ? ""
      : " in its own format (routing.translate is false)";
    throw new ProxyError(
      404,
      `model '${request.model}' has no deployment that serves ${ROUTE_NAMES[api]}${why}`,
      "model_not_found",
    );
  }

  const headers = forwardableHeaders(req.headers);
  const companion = rt.splitter?.applies(api, request.model, req.headers)
    ? startCompanion(rt, rt.splitter, {
      api,
      route: ctx.path,
      hooks,
      request,
      headers,
      requestId: record.request_id,
      signal: req.signal,
    })
    : undefined;
  let routed: Routed;
  try {
    routed = await rt.router.route({
      api,
      request,
      headers,
      query: request.plainText ? "" : ctx.query,
      signal: req.signal,
      attempts: record.attempts,
      drop: (what) => rt.logger.debug(`${record.request_id}: translation dropped ${what}`),
    }, deployments);
  } catch (err) {
    companion?.cancel();
    throw err;
  }
  record.provider = routed.deployment.provider.name;
  record.upstream_model = routed.model;
  (hooks as { deployment: HookContext["deployment"] }).deployment = {
    provider: record.provider,
    model: routed.model,
  };
  const res = await respond(api, routed, request, ctx, usageAdded);
  if (!companion) return res;
  if (!routed.outcome.ok) {
    companion.cancel();
    return res;
  }
  const separator = rt.splitter!.config.separator;
  if (!request.stream) {
    const text = await companionText(companion);
    // Appended to the client's own format (the answer may have been translated).
    return text ? new Response(appendToJson(api, await res.bytes(), separator + text), res) : res;
  }
  const maxEvent = rt.config.server.max_response_mb * 1048576;
  return new Response(spliceStream(api, res.body!, companion, separator, maxEvent), res);
}

/** The deployments of `model` that serve `api`; 404 for a model no entry matches. */
function deploymentsFor(rt: Runtime, api: Api, model: string): readonly Deployment[] {
  const all = rt.models.resolve(model);
  if (!all) {
    throw new ProxyError(
      404,
      `unknown model '${model}'; configured: ${rt.models.names().join(", ")}`,
      "model_not_found",
    );
  }
  const serves = (d: Deployment) =>
    canServe(api, d.provider.provider.apis, rt.config.routing.translate);
  return all.every(serves) ? all : all.filter(serves);
}

interface CompanionStart {
  api: Api;
  route: string;
  hooks: HookContext;
  request: ClientRequest;
  headers: Record<string, string>;
  requestId: string;
  signal: AbortSignal;
}

/** Starts the splitter's companion request at once, through the normal routing. */
function startCompanion(rt: Runtime, splitter: Splitter, start: CompanionStart): Companion {
  const body = splitter.companionBody(start.api, start.request.body, start.request.stream);
  const request: ClientRequest = {
    body,
    raw: undefined,
    model: splitter.config.model,
    stream: start.request.stream,
    plainText: false,
  };
  const rules = rt.transforms.responseRules(start.request.model);
  const record: CallRecord = {
    ...newRecord(start.requestId, "POST", start.route),
    kind: "companion",
    model: splitter.config.model,
    stream: start.request.stream,
  };
  return new Companion({
    start: (signal) =>
      rt.router.route(
        {
          api: start.api,
          request,
          headers: start.headers,
          query: "",
          signal,
          attempts: record.attempts,
        },
        deploymentsFor(rt, start.api, splitter.config.model),
      ),
    record,
    onDone: (r) => rt.recorder.finish(r),
    timeoutMs: splitter.config.timeout_s * 1000,
    maxChars: rt.config.server.max_response_mb * 1048576,
    logger: rt.logger,
    requestId: start.requestId,
    clientSignal: start.signal,
    rewriter: rules.length ? rewriterFor(rules) : undefined,
    onChunk: start.request.stream && rt.hooks.has("onChunk")
      ? (text) => rt.hooks.onChunk(start.hooks, text)
      : undefined,
  });
}

/** `count_tokens` for a model no Anthropic deployment serves: a local estimate (~4 characters a token). */
function localTokenCount(body: Record<string, unknown>): Response {
  const tools = body.tools ? JSON.stringify(body.tools) : "";
  return Response.json({ input_tokens: estimateTokens(allPromptText(body) + tools) });
}
