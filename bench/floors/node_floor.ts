/**
 * The floor: Deno.serve with a `node:http` keep-alive client, every response
 * chunk passed through JavaScript — the fastest design we know that can read
 * usage, and the one switchyard is built on.
 *
 *   deno run -A bench/floors/node_floor.ts --upstream URL
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ args: Deno.args, options: { upstream: { type: "string" } } });
const upstream = new URL(values.upstream!);
const agent = new http.Agent({ keepAlive: true });

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const body = await req.json();
  body.model = "upstream-model";
  const payload = JSON.stringify(body);
  return await new Promise<Response>((resolve, reject) => {
    const up = http.request({
      agent,
      hostname: upstream.hostname,
      port: upstream.port,
      path: new URL(req.url).pathname,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
    }, (res) => {
      let open = true;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          res.on("data", (chunk: Uint8Array) => open && c.enqueue(chunk));
          res.on("end", () => open && c.close());
          res.on("error", (e) => open && c.error(e));
        },
        cancel() {
          open = false;
          up.destroy();
        },
      });
      resolve(
        new Response(stream, {
          status: res.statusCode,
          headers: { "content-type": res.headers["content-type"] ?? "application/json" },
        }),
      );
    });
    up.on("error", reject);
    up.end(payload);
  });
});
console.log(`listening on http://127.0.0.1:${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
