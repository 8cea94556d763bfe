/**
 * OpenAI chat streams report usage only when asked
 * (`stream_options.include_usage`). So that a streamed answer logs the same
 * usage and cost as the same answer not streamed, every chat stream asks for
 * it, and the usage-only chunk is taken back out when its client had not.
 */
import type { ClientRequest } from "../../api.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

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
