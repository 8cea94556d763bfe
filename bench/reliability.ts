/**
 * Reliability under faults: three deployments of one model whose upstreams fail
 * at random — 30% answer 500, 10% reset the connection, 2% never answer — and
 * 2,000 mixed requests (half streamed) at concurrency 32 through the real
 * proxy process. A request's fate on each upstream is fixed by its id, so a
 * request is "servable" when at least one upstream would answer it; none of
 * those may be lost. Also compares the median latency of requests that needed
 * no retry with a run without faults.
 *
 *   deno run -A bench/reliability.ts [--requests 2000] [--concurrency 32]
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { chatChunk, chatCompletion } from "./openai_wire.ts";
import { spawnProxy } from "./proxy_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "32" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);

type Fate = "ok" | "500" | "reset" | "hang";
const UPSTREAMS = ["a", "b", "c"];

/** Deterministic per (request, upstream): the same request fails the same way on every retry. */
function fate(requestId: string, upstream: string, faults: boolean): Fate {
  if (!faults) return "ok";
  let h = 2166136261;
  for (const ch of upstream + "/" + requestId) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  // murmur3's finaliser: FNV alone leaves ids that differ in one character correlated.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  const u = ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
  return u < 0.30 ? "500" : u < 0.40 ? "reset" : u < 0.42 ? "hang" : "ok";
}

const HEAD = { id: "c", created: 0, model: "m" };
const chunk = (text: string | null, finish: string | null) =>
  chatChunk(HEAD, text === null ? {} : { content: text }, finish);

function startUpstream(
  name: string,
  faults: boolean,
): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => body += c);
    req.on("end", () => {
      const id = String(req.headers["x-request-id"]);
      const f = fate(id, name, faults);
      if (f === "reset") return req.socket.destroy();
      if (f === "hang") return;
      if (f === "500") {
        res.writeHead(500, { "content-type": "application/json" });
        return res.end('{"error":{"message":"injected"}}');
      }
      setTimeout(() => {
        if (JSON.parse(body).stream) {
          res.writeHead(200, { "content-type": "text/event-stream" });
          for (const w of ["fine ", "thanks"]) res.write(chunk(w, null));
          res.write(chunk(null, "stop"));
          res.end("data: [DONE]\n\n");
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            chatCompletion(HEAD, "fine thanks", {
              prompt_tokens: 3,
              completion_tokens: 2,
              total_tokens: 5,
            }),
          );
        }
      }, 5);
    });
  });
  return new Promise((resolve) =>
    server.listen(
      0,
      "127.0.0.1",
      () =>
        resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }),
    )
  );
}

interface Result {
  servable: boolean;
  ok: boolean;
  firstTry: boolean;
  ms: number;
}

async function run(faults: boolean): Promise<Result[]> {
  const ups = await Promise.all(UPSTREAMS.map((n) => startUpstream(n, faults)));
  const retry = { attempts: 2, backoff_ms: 50, max_backoff_ms: 1000 };
  const providers = Object.fromEntries(
    UPSTREAMS.map((
      n,
      i,
    ) => [n, {
      type: "openai",
      base_url: ups[i].url,
      first_byte_timeout_s: 1,
      idle_timeout_s: 1,
      retry,
    }]),
  );
  const config = stringify({
    log: { level: "error", dir: "" },
    providers,
    models: { m: UPSTREAMS.map((n) => `${n}/m`) },
  });
  await using proxy = await spawnProxy(config);
  const results: Result[] = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const id = `req-${faults ? "f" : "n"}-${i}`;
      const stream = i % 2 === 0;
      const t0 = performance.now();
      let ok = false;
      try {
        const res = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": id },
          body: JSON.stringify({
            model: "m",
            stream,
            messages: [{ role: "user", content: "how are you?" }],
          }),
        });
        const text = await res.text();
        ok = res.status === 200 && text.includes("thanks") && !text.includes('"error"');
      } catch { /* counted as not ok */ }
      results.push({
        servable: UPSTREAMS.some((n) => fate(id, n, faults) === "ok"),
        ok,
        firstTry: fate(id, UPSTREAMS[0], faults) === "ok",
        ms: performance.now() - t0,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (const u of ups) u.server.closeAllConnections?.(), u.server.close();
  return results;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

await run(false); // warm-up: JIT and connection pools, so the first timed run is not penalised
const clean = await run(false);
const faulty = await run(true);
const servable = faulty.filter((r) => r.servable);
const lost = servable.filter((r) => !r.ok).length;
const p50Clean = median(clean.filter((r) => r.firstTry).map((r) => r.ms));
const p50Faulty = median(faulty.filter((r) => r.firstTry && r.ok).map((r) => r.ms));

console.log(
  `| requests | concurrency | servable | served | lost (servable) | unservable (every upstream down) | p50 no-retry, no faults | p50 no-retry, with faults |`,
);
console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
console.log(
  `| ${REQUESTS} | ${CONCURRENCY} | ${servable.length} | ${
    servable.length - lost
  } | **${lost}** | ${faulty.length - servable.length} | ${p50Clean.toFixed(1)} ms | ${
    p50Faulty.toFixed(1)
  } ms |`,
);
if (lost > 0) Deno.exit(1);
