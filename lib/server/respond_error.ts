/**
 * An upstream's refusal that routing passed back (a 4xx it does not fall back
 * on): as it was said when the formats match, in the client's format when
 * not — never with a secret in it.
 */
import { backoffHeaders, translatedErrorBody } from "../errors.ts";
import { bodyJson, requestJson } from "../observe/bodies.ts";
import type { Failed } from "../routing/attempt.ts";
import type { Routed } from "../routing/router.ts";
import type { Answered, Exchange } from "./exchange.ts";

const decoder = new TextDecoder();

/**
 * JSON text with its `\u` and `\/` escapes written out, so a key spelt with
 * them is masked like any other (an error body, off the hot path); other text as it is.
 */
function unescaped(text: string): string {
  if (!/\\[u/]/.test(text)) return text;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

export function respondError(x: Exchange, routed: Routed, failed: Failed): Answered {
  const { rt, record } = x;
  const status = failed.status!;
  const maxBody = rt.config.log.max_body_kb * 1024;
  record.error = `upstream ${status}`;
  if (routed.translation) {
    const body = rt.redactor.text(
      JSON.stringify(translatedErrorBody(status, failed.reply?.body, x.format)),
    );
    if (rt.recorder.wantsBodies) record.response_body = requestJson(body, maxBody);
    return {
      response: new Response(body, {
        status,
        headers: { "content-type": "application/json", ...backoffHeaders(failed.reply?.headers) },
      }),
    };
  }
  const text = rt.redactor.text(unescaped(decoder.decode(failed.reply?.body ?? new Uint8Array())));
  const headers = failed.reply?.headers ?? {};
  if (rt.recorder.wantsBodies) {
    record.response_body = bodyJson(text, headers["content-type"] ?? null, maxBody);
  }
  return { response: new Response(text, { status, headers }) };
}
