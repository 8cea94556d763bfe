/**
 * The splitter's steps (SPEC §8). `forgetCompanions`: the history a client
 * replays loses the companions switchyard added. `split`: for a request that
 * gets one, the companion starts beside the main request, through the same
 * routing (one try), and its text joins the main answer once that succeeded.
 */
import type { ClientRequest } from "../../api.ts";
import { newRecord } from "../../observe/record.ts";
import { Companion } from "../../splitter/companion.ts";
import { companionDigest, forgetCompanions as cutHistory } from "../../splitter/history.ts";
import { type Joining, spliceJson, spliceStream } from "../../splitter/splice.ts";
import { rewriterFor } from "../../transforms/response_regex.ts";
import { forwardableHeaders } from "../../transforms/headers.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";
import { deploymentsFor } from "./route.ts";

/** Cuts replayed companions out of the request's history; a request it changed is re-serialised. */
export async function forgetCompanions(x: Exchange, next: Next): Promise<Answered> {
  const splitter = x.rt.splitter!;
  const request = x.request!;
  if (await cutHistory(request.body, splitter.config.separator, splitter.sent)) {
    request.raw = undefined;
  }
  return await next();
}

export async function split(x: Exchange, next: Next): Promise<Answered> {
  const { rt } = x;
  const splitter = rt.splitter!;
  const api = x.api!;
  const main = x.request!;
  if (!splitter.serves(api, main.model, x.req.headers)) return await next();
  const wanted = splitter.companionFor(main.body);
  if ("skip" in wanted) {
    rt.logger.debug(`${x.record.request_id}: no companion: ${wanted.skip}`);
    return await next();
  }
  const companion = startCompanion(x, wanted.text);
  let answered: Answered;
  try {
    answered = await next();
  } catch (err) {
    companion.cancel("cancelled: the main request failed");
    throw err;
  }
  if (!x.routed?.outcome.ok) {
    companion.cancel("cancelled: the main request failed");
    return answered;
  }
  const { response } = answered;
  const joining: Joining = {
    companion,
    separator: splitter.config.separator,
    graceMs: splitter.config.grace_s * 1000,
    sent: (text) => {
      const remembered = splitter.sent.remember(companionDigest(text));
      if (remembered instanceof Promise) {
        remembered.catch((err) =>
          rt.logger.warn(`splitter: could not remember a companion: ${err?.message ?? err}`)
        );
      }
    },
  };
  if (!main.stream) {
    const body = await spliceJson(api, await response.bytes(), joining);
    return { response: new Response(body, response) };
  }
  const maxEvent = rt.config.server.max_response_mb * 1048576;
  const body = spliceStream(api, response.body!, joining, maxEvent);
  return { response: new Response(body, response), ended: answered.ended };
}

/** Starts the companion at once, routed like any request (one try), with its own log line. */
function startCompanion(x: Exchange, text: string): Companion {
  const { rt } = x;
  const splitter = rt.splitter!;
  const api = splitter.companionApi(x.api!);
  const main = x.request!;
  const request: ClientRequest = {
    body: splitter.companionBody(api, text, main.stream),
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
    // Charged to the key that asked, like the main answer.
    key: x.record.key,
    key_metadata: x.record.key_metadata,
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
          once: true,
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
