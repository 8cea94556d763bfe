/**
 * The built-in `echo` provider: answers with the last user message, in the
 * client's own API, streamed word by word. Written exactly as a plugin writes
 * a provider type: the reference example for lib/plugin.ts.
 */
import { definePlugin } from "../plugin.ts";
import { lastUserText } from "../formats/text.ts";
import { syntheticResponse } from "./synthetic.ts";
import type { UpstreamCall } from "./types.ts";

export default definePlugin({
  name: "echo",
  providers: {
    echo: () => {
      const answer = (call: UpstreamCall) =>
        Promise.resolve(syntheticResponse(call, { text: lastUserText(call.body) }));
      return { apis: ["chat", "messages"], complete: answer, stream: answer };
    },
  },
});
