/**
 * The benchmark (`deno task bench`): the same load, from wrk, straight to a
 * mock upstream (direct), through two minimal Deno proxies (fetch floor,
 * floor) and through switchyard with a realistic config — in one run, proxy
 * and load generator pinned to different cores.
 *
 *   deno task bench [--duration 4] [--repeats 3] [--targets direct,floor,...] [--scenarios chat,...] [--conns 16,64]
 *                   [--no-scale] [--only-variants]
 *                   [--variants base,noui,many,filelog,litellm,transforms,log,splitter,priced,keys10,keys,keys1000,redis,otel]
 *                   [--workers]
 *
 * Per target and scenario: requests/s, p50/p99 latency, p50 added over direct,
 * CPU µs per request and peak RSS of the proxy process, and the ratios to the
 * floor; time to first byte for streams; then a 1,000-stream scale run and a
 * 1,000-model config, one change at a time (keys on Redis among them), and
 * one worker against two on the same port. Every figure is the median of `--repeats` runs taken in
 * turn across the targets. Writes bench/results/latest.md.
 */
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { type Process, spawnListening, spawnProxy } from "./proxy_process.ts";
import { startRedis } from "../tests/support/redis.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "4" },
    repeats: { type: "string", default: "3" },
    targets: { type: "string", default: "direct,fetch floor,floor,switchyard" },
    scenarios: {
      type: "string",
      default: "chat,chat-stream,messages,messages-stream,messages-stream-translated,gemini-stream",
    },
    conns: { type: "string", default: "16,64" },
    "no-scale": { type: "boolean", default: false },
    "only-variants": { type: "boolean", default: false },
    variants: {
      type: "string",
      default:
        "base,noui,many,filelog,litellm,transforms,log,splitter,priced,keys10,keys,keys1000,redis,otel",
    },
    /** Only the workers run. */
    workers: { type: "boolean", default: false },
    /** Only the reload run. */
    reload: { type: "boolean", default: false },
    /** Only the dashboard-polling run. */
    dashboard: { type: "boolean", default: false },
  },
});
const DURATION = Number(values.duration);
const REPEATS = Number(values.repeats);
const HERE = new URL(".", import.meta.url).pathname;
const PROXY_CPU = 0;
const LOAD_CPU = 1;
const KEY = "bench-proxy-key";

interface Scenario {
  name: string;
  path: string;
  body: (model: string) => string;
  stream: boolean;
  /** Translated through switchyard (a model of the other format): no direct or floor run. */
  translated?: true;
}

const ALL_SCENARIOS: Scenario[] = [
  { name: "chat", path: "/v1/chat/completions", stream: false, body: (m) => chatBody(m, false) },
  {
    name: "chat-stream",
    path: "/v1/chat/completions",
    stream: true,
    body: (m) => chatBody(m, true),
  },
  { name: "messages", path: "/v1/messages", stream: false, body: (m) => messagesBody(m, false) },
  {
    name: "messages-stream",
    path: "/v1/messages",
    stream: true,
    body: (m) => messagesBody(m, true),
  },
  // An Anthropic client's stream, and a Gemini client's, answered by the OpenAI upstream.
  {
    name: "messages-stream-translated",
    path: "/v1/messages",
    stream: true,
    body: () => messagesBody("bench-gpt", true),
    translated: true,
  },
  {
    name: "gemini-stream",
    path: "/v1beta/models/bench-gpt:streamGenerateContent?alt=sse",
    stream: true,
    body: () => geminiBody(),
    translated: true,
  },
];
const SCENARIOS = ALL_SCENARIOS.filter((s) => values.scenarios.split(",").includes(s.name));

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    stream,
    messages: [{ role: "system", content: "You are terse." }, {
      role: "user",
      content: "Say twenty words, please.",
    }],
    temperature: 0.2,
  });
}

function messagesBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    stream,
    max_tokens: 256,
    system: "You are terse.",
    messages: [{ role: "user", content: "Say twenty words, please." }],
  });
}

function geminiBody(): string {
  return JSON.stringify({
    contents: [{ role: "user", parts: [{ text: "Say twenty words, please." }] }],
    systemInstruction: { parts: [{ text: "You are terse." }] },
    generationConfig: { temperature: 0.2 },
  });
}

/** switchyard as a user would run it: two providers, aliases, keys on, a fallback deployment. */
function switchyardConfig(upstream: string, extra: Record<string, unknown> = {}): string {
  return stringify({
    server: { api_keys: [KEY] },
    log: { level: "warn", dir: "" },
    providers: {
      openai: { type: "openai", base_url: `${upstream}/v1`, api_key: "sk-bench-openai" },
      anthropic: { type: "anthropic", base_url: upstream, api_key: "sk-bench-anthropic" },
      backup: { type: "openai", base_url: `${upstream}/v1`, api_key: "sk-bench-backup" },
    },
    models: {
      "bench-gpt": ["openai/gpt-4o-mini", "backup/gpt-4o-mini"],
      "bench-claude": ["anthropic/claude-haiku-4-5"],
    },
    ...extra,
  });
}

/** The base config's models as a LiteLLM `config.yaml` says them (mapped once, at load). */
function liteLLMConfig(upstream: string): string {
  const entry = (name: string, model: string, key: string, base = `${upstream}/v1`) => ({
    model_name: name,
    litellm_params: { model, api_base: base, api_key: key },
  });
  return stringify({
    model_list: [
      entry("bench-gpt", "openai/gpt-4o-mini", "sk-bench-openai"),
      entry("bench-gpt", "openai/gpt-4o-mini", "sk-bench-backup"),
      entry("bench-claude", "anthropic/claude-haiku-4-5", "sk-bench-anthropic", upstream),
    ],
    general_settings: { master_key: KEY },
  });
}

/** The virtual key the keys variants send: the last of `n`, every one with limits it never reaches. */
const VIRTUAL_KEY = (n: number) => `sy-bench-virtual-key-${n - 1}`;

/** The base config with every provider priced (what the keys variants compare with). */
function pricedConfig(up: string): Record<string, unknown> {
  const config = parse(switchyardConfig(up));
  const price = { input_per_mtok: 0.15, output_per_mtok: 0.6 };
  for (const p of Object.values(config.providers) as Record<string, unknown>[]) p.price = price;
  return config;
}

/** `n` virtual keys with rpm, tpm and a budget (priced providers, so spend is counted). */
function keysConfig(up: string, n: number, extra: Record<string, unknown> = {}): string {
  const config = { ...pricedConfig(up), ...extra };
  config.keys = Array.from({ length: n }, (_, i) => ({
    name: `team-${i}`,
    key: `sy-bench-virtual-key-${i}`,
    models: ["bench-*"],
    rpm: 100_000_000,
    tpm: 1_000_000_000_000,
    budget: { usd: 1_000_000_000, period: "month" },
  }));
  return stringify(config);
}

/** One regex and one JSONPath transform on the benchmark's chat model. */
const ONE_TRANSFORM = {
  transforms: [{
    models: ["bench-gpt"],
    regex: [{ pattern: "\\bplease\\b", replace: "kindly", flags: "gi", roles: ["user"] }],
    jsonpath: { set: { "$.metadata.source": "switchyard" } },
  }],
};

interface Target {
  name: string;
  /** Model names clients send, per API. */
  models: { chat: string; messages: string };
  key?: string;
  start(upstream: string): Promise<Process | null>;
}

const ALL_TARGETS: Target[] = [
  {
    name: "direct",
    models: { chat: "gpt-4o-mini", messages: "claude-haiku-4-5" },
    start: () => Promise.resolve(null),
  },
  {
    name: "fetch floor",
    models: { chat: "gpt-4o-mini", messages: "claude-haiku-4-5" },
    start: (up) =>
      spawnListening([`${HERE}floors/fetch_floor.ts`, "--upstream", up], { cpu: PROXY_CPU }),
  },
  {
    name: "floor",
    models: { chat: "gpt-4o-mini", messages: "claude-haiku-4-5" },
    start: (up) =>
      spawnListening([`${HERE}floors/node_floor.ts`, "--upstream", up], { cpu: PROXY_CPU }),
  },
  {
    name: "switchyard",
    models: { chat: "bench-gpt", messages: "bench-claude" },
    key: KEY,
    start: (up) => spawnProxy(switchyardConfig(up), { cpu: PROXY_CPU }),
  },
];
const TARGETS = ALL_TARGETS.filter((t) => values.targets.split(",").includes(t.name));

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function ms(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

/** One wrk run; latencies in ms. */
async function wrk(
  url: string,
  body: string,
  conns: number,
  seconds: number,
  key = "",
  timeoutS = 2,
): Promise<WrkResult> {
  const out = await new Deno.Command("taskset", {
    args: [
      "-c",
      String(LOAD_CPU),
      "wrk",
      "-t1",
      `-c${conns}`,
      `-d${seconds}s`,
      "--latency",
      "--timeout",
      `${timeoutS}s`,
      "-s",
      `${HERE}post.lua`,
      url,
    ],
    env: { BODY: body, PROXY_KEY: key },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? ms(m[1], m[2]) : NaN;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    text,
  );
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0),
    p50: pct("50"),
    p99: pct("99"),
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0) +
      (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** CPU time of this process's children that have exited (each wrk run, once it is done), in µs. */
async function selfCpuMicros(): Promise<number> {
  const fields = (await Deno.readTextFile("/proc/self/stat")).split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) * (1e6 / 100);
}

/** CPU time (user + system) of a process, in µs. */
async function cpuMicros(pid: number): Promise<number> {
  const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100);
}

async function rssMB(pid: number, field: "VmHWM" | "VmRSS"): Promise<number> {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    await Deno.readTextFile(`/proc/${pid}/status`),
  );
  return Number(m?.[1] ?? 0) / 1024;
}

/** Resets the kernel's peak-RSS mark, so each run reports its own peak. */
async function resetPeak(pid: number): Promise<void> {
  await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5").catch(() => {});
}

/** Time to the first body byte of one request, in ms. */
async function firstByteMs(url: string, body: string, key = ""): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  });
  const reader = res.body!.getReader();
  await reader.read();
  const ms = performance.now() - t0;
  await reader.cancel();
  return ms;
}

interface Row {
  target: string;
  scenario: string;
  conns: number;
  wrk: WrkResult;
  cpuPerReq: number | null;
  peakMB: number | null;
}

/** One redis-server for the run, on the load generator's core, started when first wanted. */
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
async function benchRedis() {
  return redis ??= await startRedis({ cpu: LOAD_CPU });
}

const rows: Row[] = [];
const ttfbs: Record<string, Record<string, number>> = {};
const upstream = await spawnListening([`${HERE}mock_upstream.ts`], { cpu: LOAD_CPU });
const conns = values.conns.split(",").map(Number);
const lines: string[] = [];
if (values["only-variants"]) lines.push(...(await variants(upstream.url)));
if (values.workers) lines.push(...(await workersRun(upstream.url)));
if (values.reload) lines.push(...(await reloadRun(upstream.url)));
if (values.dashboard) lines.push(...(await dashboardRun(upstream.url)));

/** One measured wrk run against a target. */
async function measure(proc: Process | null, url: string, body: string, c: number, key?: string) {
  if (proc) await resetPeak(proc.pid);
  const before = proc ? await cpuMicros(proc.pid) : 0;
  const result = await wrk(url, body, c, DURATION, key);
  const cpu = proc ? (await cpuMicros(proc.pid)) - before : 0;
  return {
    wrk: result,
    cpuPerReq: proc && result.requests ? cpu / result.requests : null,
    peakMB: proc ? await rssMB(proc.pid, "VmHWM") : null,
  };
}

// Every target runs at once (idle but for its turn), and each measurement goes round the targets
// REPEATS times: this machine drifts by ±10–30% over minutes, and a ratio of two runs made
// minutes apart measured the drift as much as the proxies. Medians of interleaved runs do not.
const allProcs = values["only-variants"] || values.workers || values.reload || values.dashboard
  ? []
  : await Promise.all(TARGETS.map(async (t) => ({ target: t, proc: await t.start(upstream.url) })));
try {
  const measured = new Map<string, Row[]>();
  // The translated scenarios are compared with each other: they take turns too.
  const groups = [
    ...SCENARIOS.filter((s) => !s.translated).map((s) => [s]),
    SCENARIOS.filter((s) => s.translated),
  ].filter((g) => g.length > 0);
  for (const group of groups) {
    const units = group.flatMap((s) =>
      (s.translated ? allProcs.filter((p) => p.target.name === "switchyard") : allProcs)
        .map((p) => ({ s, p, id: `${p.target.name}|${s.name}` }))
    );
    type Unit = (typeof units)[number];
    const urlOf = ({ s, p }: Unit) => (p.proc?.url ?? upstream.url) + s.path;
    const bodyOf = ({ s, p }: Unit) =>
      s.body(s.path.includes("messages") ? p.target.models.messages : p.target.models.chat);
    // Warm-up: JIT tiers, connection pools.
    for (const u of units) await wrk(urlOf(u), bodyOf(u), 16, 3, u.p.target.key);
    for (const c of conns) {
      const runs = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
      for (let rep = 0; rep < REPEATS; rep++) {
        for (const u of units) {
          const run = await measure(u.p.proc, urlOf(u), bodyOf(u), c, u.p.target.key);
          runs.set(u.id, [...(runs.get(u.id) ?? []), run]);
        }
      }
      for (const u of units) {
        const rs = runs.get(u.id)!;
        const cpu = rs.map((r) => r.cpuPerReq).filter((n) => n !== null);
        const row: Row = {
          target: u.p.target.name,
          scenario: u.s.name,
          conns: c,
          wrk: {
            rps: median(rs.map((r) => r.wrk.rps)),
            p50: median(rs.map((r) => r.wrk.p50)),
            p99: median(rs.map((r) => r.wrk.p99)),
            requests: median(rs.map((r) => r.wrk.requests)),
            errors: rs.reduce((sum, r) => sum + r.wrk.errors, 0),
          },
          cpuPerReq: cpu.length ? median(cpu) : null,
          peakMB: u.p.proc ? median(rs.map((r) => r.peakMB!)) : null,
        };
        measured.set(u.p.target.name, [...(measured.get(u.p.target.name) ?? []), row]);
        console.error(
          `${u.p.target.name} ${u.s.name} c${c}: ${row.wrk.rps.toFixed(0)} rps, ${
            row.cpuPerReq?.toFixed(0) ?? "–"
          } µs/req, errors ${row.wrk.errors} (median of ${REPEATS})`,
        );
      }
    }
    // Time to first byte: median of 200 sequential requests per stream, each in turn.
    const streams = units.filter((u) => u.s.stream);
    const times = new Map<Unit, number[]>(streams.map((u) => [u, []]));
    for (let i = 0; i < 200 && streams.length; i++) {
      for (const u of streams) {
        times.get(u)!.push(await firstByteMs(urlOf(u), bodyOf(u), u.p.target.key));
      }
    }
    for (const [u, ms] of times) (ttfbs[u.p.target.name] ??= {})[u.s.name] = median(ms);
  }
  for (const t of TARGETS) rows.push(...(measured.get(t.name) ?? []));
} finally {
  for (const p of allProcs) await p.proc?.[Symbol.asyncDispose]();
}

if (rows.length) lines.push(...mainTable());

if (
  !values["no-scale"] && !values["only-variants"] && !values.workers && !values.reload &&
  !values.dashboard &&
  TARGETS.some((t) => t.name === "switchyard")
) {
  lines.push("", ...(await scaleRun()), "", ...(await variants(upstream.url)));
  lines.push("", ...(await workersRun(upstream.url)));
  lines.push("", ...(await reloadRun(upstream.url)));
  lines.push("", ...(await dashboardRun(upstream.url)));
}

/** An open dashboard: the page's four reads every 5 s against full rings, as the proxy's CPU share. */
async function dashboardRun(up: string): Promise<string[]> {
  await using proc = await spawnProxy(switchyardConfig(up), { cpu: PROXY_CPU });
  await wrk(proc.url + "/v1/chat/completions", chatBody("bench-gpt", false), 16, 1, KEY);
  const seconds = Math.max(15, DURATION * 4);
  const before = await cpuMicros(proc.pid);
  const started = Date.now();
  let polls = 0;
  while (Date.now() - started < seconds * 1000) {
    await Promise.all(
      ["stats", "deployments", "keys", "requests"].map((p) =>
        fetch(`${proc.url}/admin/${p}`, { headers: { authorization: `Bearer ${KEY}` } })
          .then((r) => r.arrayBuffer())
      ),
    );
    polls++;
    await new Promise((r) => setTimeout(r, 5000));
  }
  const share = (await cpuMicros(proc.pid) - before) / ((Date.now() - started) * 10);
  console.error(`dashboard run: ${share.toFixed(2)}% of a core`);
  return [
    `An open dashboard (its four /admin reads every 5 s, 500 requests in the ring, ${polls} polls in ${seconds} s): ${
      share.toFixed(2)
    }% of one core, the proxy otherwise idle.`,
  ];
}

/** The base config under wrk's load, reloaded (SIGHUP) every 100 ms: what a reload costs, and that nothing fails. */
async function reloadRun(up: string): Promise<string[]> {
  const body = chatBody("bench-gpt", false);
  const out = [
    `Reloads under load (chat, 16 connections, ${DURATION} s; SIGHUP every 100 ms, the config file unchanged):`,
    "",
    "| reloading | req/s | p50 ms | p99 ms | errors | reloads |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const reloading of [false, true]) {
    await using proc = await spawnProxy(switchyardConfig(up), { cpu: PROXY_CPU });
    const url = proc.url + "/v1/chat/completions";
    await wrk(url, body, 16, 1, KEY);
    let reloads = 0;
    const timer = reloading
      ? setInterval(() => {
        Deno.kill(proc.pid, "SIGHUP");
        reloads++;
      }, 100)
      : undefined;
    const r = await wrk(url, body, 16, DURATION, KEY);
    clearInterval(timer);
    out.push(
      `| ${reloading ? "yes" : "no"} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${
        r.p99.toFixed(2)
      } | ${r.errors} | ${reloads} |`,
    );
    console.error(`reload run (${reloading}): ${r.rps.toFixed(0)} rps, errors ${r.errors}`);
  }
  return out;
}

/**
 * `server.workers: 1` against `2` on one port, keys on Redis, the proxy and wrk not pinned: with
 * 2 cores, wrk, the mock upstream and redis-server (both on core 1) take their share of them.
 */
async function workersRun(up: string): Promise<string[]> {
  const out = [
    "Workers (100 keys on Redis, chat, 64 connections; the workers and wrk not pinned, the mock",
    "upstream and redis-server on core 1 — on 2 cores they all share them):",
    "",
    "| server.workers | req/s | p50 ms | load generator CPU % |",
    "|---:|---:|---:|---:|",
  ];
  const { url } = await benchRedis();
  const body = chatBody("bench-gpt", false);
  for (const workers of [1, 2]) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const config = parse(keysConfig(up, 100, { state: { url } }));
    config.server = { ...config.server, workers };
    await using _workers = await spawnProxy(stringify(config), { port });
    const target = `http://127.0.0.1:${port}/v1/chat/completions`;
    await wrk(target, body, 64, 2, VIRTUAL_KEY(100));
    const runs = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      const start = await selfCpuMicros();
      const r = await wrk(target, body, 64, DURATION, VIRTUAL_KEY(100));
      runs.push({ ...r, load: (await selfCpuMicros() - start) / (DURATION * 1e4) });
    }
    const [rps, p50, load] = [
      median(runs.map((r) => r.rps)),
      median(runs.map((r) => r.p50)),
      median(runs.map((r) => r.load)),
    ];
    out.push(`| ${workers} | ${rps.toFixed(0)} | ${p50.toFixed(2)} | ${load.toFixed(0)} |`);
    console.error(`workers ${workers}: ${rps.toFixed(0)} rps (median of ${REPEATS})`);
  }
  return out;
}

/** The main table: every target and scenario, with ratios to direct and the floor; then TTFB. */
function mainTable(): string[] {
  const lines: string[] = [];
  const find = (t: string, s: string, c: number) =>
    rows.find((r) => r.target === t && r.scenario === s && r.conns === c);
  lines.push(
    "| target | scenario | conns | req/s | p50 ms | p99 ms | added p50 ms | CPU µs/req | peak RSS MB | CPU × floor | req/s × floor | errors |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of rows) {
    const direct = find("direct", r.scenario, r.conns);
    const floor = find("floor", r.scenario, r.conns);
    const f = (
      n: number | null | undefined,
      d = 0,
    ) => (n === null || n === undefined || Number.isNaN(n) ? "–" : n.toFixed(d));
    lines.push(
      `| ${r.target} | ${r.scenario} | ${r.conns} | ${f(r.wrk.rps)} | ${f(r.wrk.p50, 2)} | ${
        f(r.wrk.p99, 2)
      } | ${direct && r.target !== "direct" ? f(r.wrk.p50 - direct.wrk.p50, 2) : "–"} | ${
        f(r.cpuPerReq)
      } | ${f(r.peakMB, 1)} | ${
        floor?.cpuPerReq && r.cpuPerReq ? f(r.cpuPerReq / floor.cpuPerReq, 2) : "–"
      } | ${
        floor && r.target !== "direct" ? f(r.wrk.rps / floor.wrk.rps, 2) : "–"
      } | ${r.wrk.errors} |`,
    );
  }
  lines.push(
    "",
    "Time to first byte, sequential requests taken in turn across the targets (median of 200, ms):",
    "",
    "| target | " + SCENARIOS.filter((s) => s.stream).map((s) => s.name).join(" | ") + " |",
  );
  lines.push("|---|" + SCENARIOS.filter((s) => s.stream).map(() => "---:").join("|") + "|");
  for (const [t, v] of Object.entries(ttfbs)) {
    lines.push(
      `| ${t} | ${
        SCENARIOS.filter((s) => s.stream).map((s) => v[s.name]?.toFixed(3) ?? "–").join(" | ")
      } |`,
    );
  }
  return lines;
}

/** 1,000 concurrent streams of about a second each: errors, peak RSS, and RSS once idle again. */
async function scaleRun(): Promise<string[]> {
  await using slow = await spawnListening(
    [`${HERE}mock_upstream.ts`, "--chunk-delay-ms", "50"],
    { cpu: LOAD_CPU },
  );
  const out = [
    "1,000 concurrent streams of ~1 s (20 chunks, 50 ms apart), 10 s:",
    "",
    "| target | streams/s | p50 ms | p99 ms | errors | idle RSS MB | peak RSS MB | RSS 3 s after MB | RSS 20 s after MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const target of TARGETS.filter((t) => t.name === "floor" || t.name === "switchyard")) {
    await using proc = (await target.start(slow.url))!;
    const body = chatBody(target.models.chat, true);
    await wrk(proc.url + "/v1/chat/completions", body, 50, 2, target.key);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await rssMB(proc.pid, "VmRSS");
    await resetPeak(proc.pid);
    // One core serving 1,000 one-second streams is near saturation: a stream may take over wrk's
    // default 2 s and still complete. Slow shows in p99; an error here is a stream that failed.
    const r = await wrk(proc.url + "/v1/chat/completions", body, 1000, 10, target.key, 10);
    const peak = await rssMB(proc.pid, "VmHWM");
    await new Promise((r) => setTimeout(r, 5000));
    const after = await rssMB(proc.pid, "VmRSS");
    // V8 gives memory back once the process has been idle for a while (its memory reducer).
    await new Promise((r) => setTimeout(r, 17000));
    const settled = await rssMB(proc.pid, "VmRSS");
    out.push(
      `| ${target.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(0)} | ${
        r.p99.toFixed(0)
      } | ${r.errors} | ${idle.toFixed(1)} | ${peak.toFixed(1)} | ${after.toFixed(1)} | ${
        settled.toFixed(1)
      } |`,
    );
    console.error(
      `scale ${target.name}: ${r.rps.toFixed(0)} streams/s, errors ${r.errors}, peak ${
        peak.toFixed(1)
      } MB`,
    );
  }
  return out;
}

/** A config of 1,000 models and 50 providers, with `bench-gpt` among them. */
function manyModelsConfig(up: string): string {
  const providers: Record<string, unknown> = {};
  for (let i = 0; i < 50; i++) {
    providers[`p${i}`] = { type: "openai", base_url: `${up}/v1`, api_key: `sk-bench-${i}` };
  }
  const models: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) {
    models[`model-${i}`] = [`p${i % 50}/gpt-4o-mini`, `p${(i + 1) % 50}/gpt-4o-mini`];
  }
  for (let i = 0; i < 20; i++) models[`family-${i}-*`] = [`p${i}/*`];
  models["bench-gpt"] = ["p7/gpt-4o-mini"];
  return stringify({
    server: { api_keys: [KEY] },
    log: { level: "warn", dir: "" },
    providers,
    models,
  });
}

/** The chat scenario at 16 connections with one thing changed at a time. */
async function variants(up: string): Promise<string[]> {
  const out = [
    `Chat, 16 connections, one thing changed at a time (median of ${REPEATS} runs taken in turn):`,
    "",
    "| config | req/s | p50 ms | CPU µs/req |",
    "|---|---:|---:|---:|",
  ];
  const all: [string, string, () => Promise<string>, string?][] = [
    ["base", "as above (3 providers, 2 models)", () => Promise.resolve(switchyardConfig(up))],
    [
      "noui",
      "− the dashboard's rings (server.ui: false)",
      () => Promise.resolve(switchyardConfig(up, { server: { api_keys: [KEY], ui: false } })),
    ],
    ["many", "50 providers, 1,020 models", () => Promise.resolve(manyModelsConfig(up))],
    [
      "filelog",
      "+ the default file log (no bodies)",
      async () => switchyardConfig(up, { log: { level: "warn", dir: await Deno.makeTempDir() } }),
    ],
    [
      "litellm",
      "the same models from a LiteLLM config.yaml (default file log; its two gpt deployments one group)",
      () => Promise.resolve(liteLLMConfig(up)),
    ],
    [
      "transforms",
      "+ one regex and one JSONPath transform",
      () => Promise.resolve(switchyardConfig(up, ONE_TRANSFORM)),
    ],
    [
      "log",
      "+ file log with bodies",
      async () =>
        switchyardConfig(up, {
          log: { level: "warn", dir: await Deno.makeTempDir(), bodies: true },
        }),
    ],
    [
      "splitter",
      "+ splitter (companion on the same upstream)",
      () =>
        Promise.resolve(
          switchyardConfig(up, { splitter: { models: ["bench-gpt"], model: "bench-gpt" } }),
        ),
    ],
    ["priced", "+ a price on every provider", () => Promise.resolve(stringify(pricedConfig(up)))],
    ...[10, 100, 1000].map((n): [string, string, () => Promise<string>, string] => [
      n === 100 ? "keys" : `keys${n}`,
      `+ ${n.toLocaleString("en")} keys with rpm/tpm/budget (priced providers), one calling`,
      () => Promise.resolve(keysConfig(up, n)),
      VIRTUAL_KEY(n),
    ]),
    [
      "otel",
      "+ tracing at sample 1.0 (OTLP/protobuf to the mock)",
      () => Promise.resolve(switchyardConfig(up, { otel: { endpoint: up, sample_ratio: 1 } })),
    ],
    [
      "redis",
      "+ the 100 keys' state on Redis (redis-server on the load core)",
      async () => keysConfig(up, 100, { state: { url: (await benchRedis()).url } }),
      VIRTUAL_KEY(100),
    ],
  ];
  const wanted = values.variants.split(",");
  const configs = await Promise.all(
    all.filter(([key]) => wanted.includes(key)).map(async ([, name, yaml, key]) =>
      [name, await yaml(), key ?? KEY] as const
    ),
  );
  // Differences of a few µs drown in the machine's drift: the configs take turns, REPEATS rounds, medians count.
  const runs = configs.map(() => [] as Awaited<ReturnType<typeof measure>>[]);
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const [i, [, yaml, key]] of configs.entries()) {
      await using proc = await spawnProxy(yaml, { cpu: PROXY_CPU });
      const url = proc.url + "/v1/chat/completions";
      const body = chatBody("bench-gpt", false);
      await wrk(url, body, 16, 1, key);
      runs[i].push(await measure(proc, url, body, 16, key));
    }
  }
  for (const [i, [name]] of configs.entries()) {
    const [rps, p50, cpu] = [
      median(runs[i].map((r) => r.wrk.rps)),
      median(runs[i].map((r) => r.wrk.p50)),
      median(runs[i].map((r) => r.cpuPerReq!)),
    ];
    out.push(`| ${name} | ${rps.toFixed(0)} | ${p50.toFixed(2)} | ${cpu.toFixed(0)} |`);
    console.error(
      `variant ${name}: ${rps.toFixed(0)} rps, ${cpu.toFixed(0)} µs/req (median of ${REPEATS})`,
    );
  }
  return out;
}

await upstream[Symbol.asyncDispose]();
await redis?.[Symbol.asyncDispose]();
const cpuModel = /model name\s+: (.+)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1] ??
  "unknown CPU";
const header = `Run ${
  new Date().toISOString()
} on ${cpuModel}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; ${DURATION} s per run, each the median of ${REPEATS} runs taken in turn with the other targets; proxy on core ${PROXY_CPU}, wrk and the mock upstream on core ${LOAD_CPU}.\n`;
const report = [header, ...lines].join("\n");
await Deno.mkdir(`${HERE}results`, { recursive: true });
await Deno.writeTextFile(`${HERE}results/latest.md`, report + "\n");
console.log(report);
