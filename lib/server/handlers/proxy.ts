/**
 * The model-routed endpoints: read the body once, resolve the model, route,
 * and relay what the upstream said — byte for byte when formats match.
 */
import { errorEvent, ProxyError } from "../../errors.ts";
import { usageOfBody, UsageTap } from "../../observe/usage_tap.ts";
import { type BodyObserver, observeBody } from "../../providers/http.ts";
import type { Api } from "../../providers/types.ts";
import type { Deployment } from "../../routing/resolve.ts";
import type { Routed } from "../../routing/router.ts";
import { estimateTokens } from "../../translate/answer.ts";
import { allPromptText } from "../../translate/prompt_text.ts";
import { usageReader } from "../../translate/usage.ts";
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
import { type ClientRequest, parseRequest, readBody } from "../body.ts";
import { relay } from "../relay.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

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
    record.model = request.model;
    record.stream = request.stream;

    const deployments = deploymentsFor(rt, api, request.model);
    if (deployments.length === 0) {
      if (api === "count_tokens") return localTokenCount(request.body);
      throw new ProxyError(
        404,
        `model '${request.model}' has no deployment that serves ${ROUTE_NAMES[api]}`,
        "model_not_found",
      );
    }

    const headers = forwardableHeaders(req.headers);
    const companion = rt.splitter?.applies(api, request.model, req.headers)
      ? startCompanion(rt, rt.splitter, {
        api,
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
      }, deployments);
    } catch (err) {
      companion?.cancel();
      throw err;
    }
    record.provider = routed.deployment.provider.name;
    record.upstream_model = routed.model;
    const res = respond(api, routed, ctx);
    if (!companion) return res;
    if (!routed.outcome.ok) {
      companion.cancel();
      return res;
    }
    const separator = rt.splitter!.config.separator;
    if (!request.stream) {
      const text = await companionText(companion);
      return text
        ? new Response(appendToJson(api, routed.outcome.bytes!, separator + text), res)
        : res;
    }
    return new Response(spliceStream(api, res.body!, companion, separator), res);
  };
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
  const serves = (d: Deployment) => d.provider.provider.apis.includes(api);
  return all.every(serves) ? all : all.filter(serves);
}

interface CompanionStart {
  api: Api;
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
  return new Companion(
    (signal) =>
      rt.router.route(
        { api: start.api, request, headers: start.headers, query: "", signal, attempts: [] },
        deploymentsFor(rt, start.api, splitter.config.model),
      ),
    splitter.config.timeout_s * 1000,
    rt.logger,
    start.requestId,
    start.signal,
  );
}

/** The routed answer as the client's response. */
function respond(api: Api, routed: Routed, ctx: RequestContext): Response {
  const { outcome } = routed;
  const read = usageReader(api);
  if (!outcome.ok) {
    // An upstream client error goes back as it is, but never with the provider's key in it.
    const text = ctx.rt.redactor.text(decoder.decode(outcome.bytes ?? new Uint8Array()));
    ctx.record.error = `upstream ${outcome.status}`;
    return new Response(text, { status: outcome.status!, headers: outcome.response!.headers });
  }
  const res = outcome.response;
  if (outcome.bytes) {
    if (read) ctx.record.usage = usageOfBody(outcome.bytes, read);
    return res.bodyUsed ? new Response(outcome.bytes, res) : res;
  }
  const tap = read ? new UsageTap(read, api === "messages") : undefined;
  ctx.deferred = true;
  const observer: BodyObserver = {
    chunk: (chunk) => tap?.push(chunk),
    end: (error) => {
      ctx.record.usage = tap?.finish() ?? null;
      ctx.finish(undefined, error ? (error as Error).message ?? String(error) : null);
      return error ? encoder.encode(errorEvent(ctx.format, error)) : undefined;
    },
  };
  return observeBody(res, observer) ? res : new Response(relay(res.body!, observer), res);
}

/** `count_tokens` for a model no Anthropic deployment serves: a local estimate (~4 characters a token). */
function localTokenCount(body: Record<string, unknown>): Response {
  const tools = body.tools ? JSON.stringify(body.tools) : "";
  return Response.json({ input_tokens: estimateTokens(allPromptText(body) + tools) });
}
