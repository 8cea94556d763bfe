/**
 * The splitter step (SPEC §8): the companion request starts beside the main
 * one, through the same routing, and its text joins the main answer once the
 * main one succeeded.
 */
import type { ClientRequest } from "../../api.ts";
import { newRecord } from "../../observe/record.ts";
import { Companion, companionText, spliceJson, spliceStream } from "../../splitter.ts";
import { rewriterFor } from "../../transforms/response_regex.ts";
import { forwardableHeaders } from "../../transforms/headers.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";
import { deploymentsFor } from "./route.ts";

export async function split(x: Exchange, next: Next): Promise<Answered> {
  const { rt } = x;
  const splitter = rt.splitter!;
  const api = x.api!;
  const main = x.request!;
  if (!splitter.applies(api, main.model, x.req.headers)) return await next();
  const companion = startCompanion(x);
  let answered: Answered;
  try {
    answered = await next();
  } catch (err) {
    companion.cancel();
    throw err;
  }
  if (!x.routed?.outcome.ok) {
    companion.cancel();
    return answered;
  }
  const { response } = answered;
  const separator = splitter.config.separator;
  if (!main.stream) {
    const text = await companionText(companion);
    if (!text) return answered;
    // Appended in the client's own format (the answer may have been translated).
    const body = spliceJson(api, await response.bytes(), separator + text);
    return { response: new Response(body, response) };
  }
  const maxEvent = rt.config.server.max_response_mb * 1048576;
  const body = spliceStream(api, response.body!, companion, separator, maxEvent);
  return { response: new Response(body, response), ended: answered.ended };
}

/** Starts the companion at once, routed like any request, with its own log line. */
function startCompanion(x: Exchange): Companion {
  const { rt } = x;
  const splitter = rt.splitter!;
  const api = x.api!;
  const main = x.request!;
  const request: ClientRequest = {
    body: splitter.companionBody(api, main.body, main.stream),
    raw: undefined,
    model: splitter.config.model,
    stream: main.stream,
    plainText: false,
  };
  const record = {
    ...newRecord(x.record.request_id, "POST", x.path),
    kind: "companion" as const,
    model: splitter.config.model,
    stream: main.stream,
  };
  const rules = rt.transforms.responseRules(main.model);
  const hooks = x.hooks!;
  return new Companion({
    start: (signal) =>
      rt.router.route(
        {
          api,
          request,
          headers: forwardableHeaders(x.req.headers),
          query: "",
          signal,
          attempts: record.attempts,
        },
        deploymentsFor(rt, api, splitter.config.model),
      ),
    record,
    onDone: (r) => rt.recorder.finish(r),
    timeoutMs: splitter.config.timeout_s * 1000,
    maxChars: rt.config.server.max_response_mb * 1048576,
    logger: rt.logger,
    requestId: x.record.request_id,
    clientSignal: x.req.signal,
    rewriter: rules.length ? rewriterFor(rules) : undefined,
    onChunk: main.stream && rt.hooks.has("onChunk")
      ? (text) => rt.hooks.onChunk(hooks, text)
      : undefined,
  });
}
