/**
 * The built-in `mock` provider (SPEC §9): a made-up upstream with knobs, for
 * trying fallback and load before real keys are involved. Written exactly as a
 * plugin would write a provider type (see lib/plugin.ts).
 *
 *   latency_ms      wait before answering
 *   chunks          pieces a streamed answer comes in (default 5)
 *   chunk_delay_ms  wait before each piece
 *   fail_status     status of a failure (default 500)
 *   fail_rate       share of calls that fail, 0–1 (default 1 when fail_status is set, else 0)
 *   text            the answer (default "This is a mock response.")
 */
import { errorBody, ProxyError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import { syntheticResponse } from "./synthetic.ts";
import { definePlugin } from "../plugin.ts";
import type { Provider, UpstreamCall } from "./types.ts";

export default definePlugin({
  name: "mock",
  providers: {
    mock: ({ config }): Provider => {
      const failStatus = config.fail_status ?? 500;
      const failRate = config.fail_rate ?? (config.fail_status !== undefined ? 1 : 0);
      const answer = async (call: UpstreamCall): Promise<Response> => {
        if (config.latency_ms) await sleep(config.latency_ms, call.signal);
        if (Math.random() < failRate) {
          const err = new ProxyError(failStatus, `mock failure (fail_rate ${failRate})`);
          return Response.json(errorBody(call.api === "messages" ? "anthropic" : "openai", err), {
            status: failStatus,
          });
        }
        return syntheticResponse(call, {
          text: config.text ?? "This is a mock response.",
          chunks: config.chunks ?? 5,
          chunkDelayMs: config.chunk_delay_ms,
        });
      };
      return { apis: ["chat", "messages"], complete: answer, stream: answer };
    },
  },
});
