/**
 * The fetch floor: the least a Deno proxy can do with `fetch` — parse the JSON
 * body, rewrite `model`, and hand the upstream body back without reading it.
 *
 *   deno run -A bench/floors/fetch_floor.ts --upstream URL
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ args: Deno.args, options: { upstream: { type: "string" } } });
const upstream = values.upstream!;

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const body = await req.json();
  body.model = "upstream-model";
  const res = await fetch(upstream + new URL(req.url).pathname, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return new Response(res.body, {
    status: res.status,
    headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
  });
});
console.log(`listening on http://127.0.0.1:${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
