/**
 * Example: an observer. One JSON line per request — id, model, deployment,
 * status, tokens, latency, attempts, error — appended to the file named by
 * REQUEST_LOG_FILE (or printed). Observers never delay a response.
 *
 *   plugins: [./plugins/request_logger.ts]
 */
import { definePlugin, type OutcomeHookContext } from "../lib/plugin.ts";

const FILE = Deno.env.get("REQUEST_LOG_FILE");

async function write(ctx: OutcomeHookContext, outcome: "success" | "error"): Promise<void> {
  const line = JSON.stringify({
    outcome,
    request_id: ctx.requestId,
    route: ctx.route,
    model: ctx.model,
    deployment: ctx.deployment,
    status: ctx.status,
    stream: ctx.stream,
    tokens: ctx.usage?.total_tokens ?? null,
    latency_ms: ctx.latencyMs,
    attempts: ctx.attempts.length,
    error: ctx.error,
  });
  if (FILE) await Deno.writeTextFile(FILE, line + "\n", { append: true });
  else console.log(line);
}

export default definePlugin({
  name: "request-logger",
  hooks: {
    onSuccess: (ctx) => write(ctx, "success"),
    onError: (ctx) => write(ctx, "error"),
  },
});
