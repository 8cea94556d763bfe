/**
 * The built-in `echo` provider: answers with the last user message, in the
 * client's own API, streamed word by word. Written exactly as a plugin would
 * write a provider type (see lib/plugin.ts).
 */
import { lastUserText } from "../translate/prompt_text.ts";
import { syntheticResponse } from "./synthetic.ts";
import type { Provider, ProviderFactory, UpstreamCall } from "./types.ts";

export const echo: ProviderFactory = (): Provider => {
  const answer = (call: UpstreamCall) =>
    Promise.resolve(syntheticResponse(call, { text: lastUserText(call.body) }));
  return { apis: ["chat", "messages"], complete: answer, stream: answer };
};
