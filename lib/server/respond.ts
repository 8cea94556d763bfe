/**
 * A routed answer as the client's response: an upstream's refusal, a whole
 * JSON answer, or a stream, each in its own module.
 */
import type { Routed } from "../routing/router.ts";
import type { Answered, Exchange } from "./exchange.ts";
import { respondError } from "./respond_error.ts";
import { respondJson } from "./respond_json.ts";
import { respondStream } from "./respond_stream.ts";

export function respond(x: Exchange, routed: Routed): Answered | Promise<Answered> {
  const { outcome } = routed;
  if (!outcome.ok) return respondError(x, routed, outcome);
  return outcome.reply.kind === "whole"
    ? respondJson(x, routed, outcome.reply)
    : respondStream(x, routed, outcome.reply);
}
