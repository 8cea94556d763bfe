/**
 * The soak (`deno task soak`): two kinds of abuse a public deployment meets,
 * against the real proxy process, with the figures printed as markdown.
 *
 * Slow clients: per round, 500 concurrent ~12 MB chat streams from a mock
 * upstream that sends as fast as its socket takes; 40% of the clients read
 * the headers and stall, 40% read 16 KiB every 250 ms, 20% stall 3 s and then
 * read to the end. After 10 s the stalled and slow ones hang up. Three rounds,
 * with `log.bodies` on and off: proxy RSS (idle, peak and after each round),
 * upstream calls the mock still has open once the clients left, and how fast
 * `/health` answers meanwhile.
 *
 * Connection exhaustion: the proxy under `ulimit -n 512`, and 600 connections
 * that trickle their headers a byte a second, send a chunked body that never
 * ends, or sit idle after one keep-alive request, while 20 plain chat
 * completions a second go on: whether the proxy survives, how long it keeps
 * each kind open, how many of the normal requests fail. Run again with 400
 * connections, under the limit: how long each kind stays open is only seen
 * when the proxy lives through the attack.
 *
 *   deno task soak [--scenarios slow,exhaust] [--clients 500] [--rounds 3]
 *                  [--connections 600,400] [--fd-limit 512] [--attack-s 35]
 *   deno run -A bench/soak.ts --mock-upstream     (the mock upstream; the soak starts it itself)
 *
 * Writes bench/results/soak.md. Exits non-zero only when the harness itself fails.
 */
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { chatChunk, chatCompletion, chatUsageChunk } from "./openai_wire.ts";
import { type Process, spawnListening, spawnProxy } from "./proxy_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scenarios: { type: "string", default: "slow,exhaust" },
    clients: { type: "string", default: "500" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "600,400" },
    "fd-limit": { type: "string", default: "512" },
    "attack-s": { type: "string", default: "35" },
    "mock-upstream": { type: "boolean", default: false },
  },
});
const HOST = "127.0.0.1";
const HERE = new URL(".", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;
// As in `deno task bench`: the proxy has a core to itself, the load and the mock share the other.
const PROXY_CPU = 0;
const LOAD_CPU = 1;

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Deadlines already past resolve at once (a negative timeout only earns a warning). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

// ---------------------------------------------------------------------------------------------
// The mock upstream: OpenAI chat, a ~12 MB stream sent as fast as the socket takes it, or a
// small JSON answer; GET /open says how many streams are still open.

/** Bytes of content per stream event, and about how many a stream sends in all. */
const EVENT_CONTENT = 1024;
const STREAM_BYTES = 12 * 1048576;

const openAIHead = { id: "chatcmpl-soak", created: 1741570283, model: "soak-model" };
const usage = { prompt_tokens: 12, completion_tokens: 12000, total_tokens: 12012 };
const event = (delta: object, finish: string | null) => chatChunk(openAIHead, delta, finish);

/**
 * The bulk of a stream goes out in blocks of 48 events (~57 KiB) built once: one enqueue per
 * block keeps the mock's own CPU small next to the proxy's, which reads them in socket-sized pieces.
 */
const BLOCK = enc.encode(event({ content: "x".repeat(EVENT_CONTENT) }, null).repeat(48));
const BLOCKS = Math.ceil(STREAM_BYTES / BLOCK.length);
const STREAM_HEAD = enc.encode(event({ role: "assistant", content: "" }, null));
const STREAM_TAIL = enc.encode(
  event({}, "stop") + chatUsageChunk(openAIHead, usage) + "data: [DONE]\n\n",
);
const CHAT_JSON = enc.encode(
  chatCompletion(openAIHead, "fine, thanks", {
    prompt_tokens: 12,
    completion_tokens: 3,
    total_tokens: 15,
  }),
);

interface UpstreamStats {
  /** Streams started and neither finished nor aborted yet. */
  open: number;
  started: number;
  finished: number;
  aborted: number;
  /** Stream bytes handed to the server to send. */
  bytes: number;
}

/**
 * One stream, counted open from its start until the server took its last byte or cancelled it
 * (the proxy closed the connection). Pulled: it goes as fast as the connection to the proxy takes it.
 */
function countedStream(stats: UpstreamStats): ReadableStream<Uint8Array> {
  stats.open++;
  stats.started++;
  let sent = -1;
  let settled = false;
  const settle = (how: "finished" | "aborted") => {
    if (settled) return;
    settled = true;
    stats.open--;
    stats[how]++;
  };
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const chunk = sent < 0
        ? STREAM_HEAD
        : sent < BLOCKS
        ? BLOCK
        : sent === BLOCKS
        ? STREAM_TAIL
        : null;
      sent++;
      // Asked for more after the tail: the server has taken every byte.
      if (!chunk) return settle("finished"), c.close();
      stats.bytes += chunk.length;
      c.enqueue(chunk);
    },
    cancel: () => settle("aborted"),
  }, { highWaterMark: 0 });
}

function mockUpstream(): void {
  const stats: UpstreamStats = { open: 0, started: 0, finished: 0, aborted: 0, bytes: 0 };
  const server = Deno.serve({ hostname: HOST, port: 0, onListen() {} }, async (req) => {
    if (req.method === "GET") return Response.json(stats);
    const body = await req.text();
    if (!body.includes('"stream":true')) {
      return new Response(CHAT_JSON, { headers: { "content-type": "application/json" } });
    }
    return new Response(countedStream(stats), {
      headers: { "content-type": "text/event-stream; charset=utf-8" },
    });
  });
  console.log(`listening on http://${HOST}:${server.addr.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
}

async function upstreamStats(mock: Process): Promise<UpstreamStats> {
  return await (await fetch(`${mock.url}/open`)).json();
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over TCP: the clients decide exactly when they read, write and hang up.

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function rawRequest(method: string, path: string, body = "", close = true): Uint8Array {
  const length = enc.encode(body).length;
  const headers = [
    `${method} ${path} HTTP/1.1`,
    `host: ${HOST}`,
    ...(body ? ["content-type: application/json", `content-length: ${length}`] : []),
    ...(close ? ["connection: close"] : []),
  ];
  return enc.encode(headers.join("\r\n") + "\r\n\r\n" + body);
}

const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: "soak-model",
    stream,
    messages: [{ role: "user", content: "Tell me a very long story." }],
  });
const STREAM_REQUEST = rawRequest("POST", "/v1/chat/completions", chatBody(true));
const CHAT_REQUEST = rawRequest("POST", "/v1/chat/completions", chatBody(false));

/** Reads up to the end of the response headers: the status, and how many body bytes came with them. */
async function readHead(conn: Deno.Conn): Promise<{ status: number; extra: number }> {
  const buf = new Uint8Array(16384);
  let have = 0;
  for (;;) {
    const n = await conn.read(buf.subarray(have));
    if (n === null) throw new Error("closed before the response headers");
    have += n;
    const text = dec.decode(buf.subarray(0, have));
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) return { status: Number(text.split(" ")[1]), extra: have - end - 4 };
    if (have === buf.length) throw new Error("response headers over 16 KiB");
  }
}

interface Answer {
  status: number;
  ms: number;
  text: string;
}

/**
 * One request on a fresh connection, read to its end (`connection: close`) within `timeoutMs`.
 * A fresh connection each time: what is measured includes the proxy accepting it.
 */
async function request(port: number, bytes: Uint8Array, timeoutMs = 5000): Promise<Answer> {
  const t0 = performance.now();
  let timedOut = false;
  let conn: Deno.Conn | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    conn?.close();
  }, timeoutMs);
  try {
    conn = await Deno.connect({ hostname: HOST, port });
    if (timedOut) conn.close();
    await writeAll(conn, bytes);
    const parts: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      parts.push(buf.slice(0, n));
    }
    const text = dec.decode(new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer()));
    return { status: Number(text.split(" ")[1]) || 0, ms: performance.now() - t0, text };
  } catch (err) {
    throw timedOut ? new Error(`no answer within ${timeoutMs} ms`) : err;
  } finally {
    clearTimeout(timer);
    if (!timedOut) {
      try {
        conn?.close();
      } catch { /* closed already */ }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Watching the proxy: RSS, heap, /health, and the harness's own lag (which /health latency includes).

/** VmRSS of `pid` in bytes, sampled every 100 ms; `peak` since the last `reset`. */
class RssSampler {
  peak = 0;
  last = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(readonly pid: number) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 100);
  }

  #sample(): void {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${this.pid}/status`));
      this.last = Number(kb?.[1] ?? 0) * 1024;
      this.peak = Math.max(this.peak, this.last);
    } catch { /* the process is gone: the scenario notices */ }
  }

  reset(): void {
    this.#sample();
    this.peak = this.last;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

interface Probes {
  healthMaxMs: number;
  healthSlow: number;
  healthFailed: number;
  healthCount: number;
  heapPeak: number;
  externalPeak: number;
  lagMaxMs: number;
}

/**
 * Until stopped: `GET /health` every 200 ms (slow = over 1 s), `/metrics` every second for the
 * V8 heap and external memory, and how late the harness's own timers fire — a probe's latency
 * includes that lag, as the load runs in this process.
 */
function probe(port: number): { stop(): Promise<Probes> } {
  const p: Probes = {
    healthMaxMs: 0,
    healthSlow: 0,
    healthFailed: 0,
    healthCount: 0,
    heapPeak: 0,
    externalPeak: 0,
    lagMaxMs: 0,
  };
  let running = true;
  const health = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const a = await request(port, rawRequest("GET", "/health"), 5000);
        if (a.status !== 200) p.healthFailed++;
      } catch {
        p.healthFailed++;
      }
      const ms = performance.now() - t0;
      p.healthCount++;
      p.healthMaxMs = Math.max(p.healthMaxMs, ms);
      if (ms > 1000) p.healthSlow++;
      await sleep(200);
    }
  })();
  const metrics = (async () => {
    while (running) {
      try {
        const { text } = await request(port, rawRequest("GET", "/metrics"), 5000);
        const kind = (k: string) =>
          Number(new RegExp(`memory_bytes\\{kind="${k}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
        p.heapPeak = Math.max(p.heapPeak, kind("heap_used"));
        p.externalPeak = Math.max(p.externalPeak, kind("external"));
      } catch { /* counted by the health probe */ }
      await sleep(1000);
    }
  })();
  let last = performance.now();
  const lag = setInterval(() => {
    const now = performance.now();
    p.lagMaxMs = Math.max(p.lagMaxMs, now - last - 50);
    last = now;
  }, 50);
  return {
    async stop() {
      running = false;
      clearInterval(lag);
      await Promise.all([health, metrics]);
      return p;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario: slow clients.

type Reading = "stall" | "slow" | "late";
/** 40% stall, 40% slow, 20% late. */
const readingOf = (i: number): Reading =>
  (["stall", "stall", "slow", "slow", "late"] as const)[i % 5];
/** When stalled and slow clients hang up; how long a late reader may take to read its stream. */
const LEAVE_MS = 10_000;
const LATE_LIMIT_MS = 60_000;

interface StreamOutcome {
  reading: Reading;
  status: number;
  read: number;
  /** Read to the last chunk (late readers). */
  complete: boolean;
  error: string | null;
}

/** One streaming client that reads as `reading` says, and hangs up at `leaveAt` (late readers at their end). */
async function streamClient(
  port: number,
  reading: Reading,
  leaveAt: number,
): Promise<StreamOutcome> {
  const out: StreamOutcome = { reading, status: 0, read: 0, complete: false, error: null };
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: HOST, port });
  } catch (err) {
    out.error = (err as Error).message;
    return out;
  }
  let hungUp = false;
  let hangUp!: () => void;
  const left = new Promise<void>((resolve) => hangUp = resolve);
  const timer = setTimeout(() => {
    hungUp = true;
    // Closed with unread data in the receive buffer: the kernel resets the connection, as it
    // does for a client process that dies or a browser tab that is closed.
    conn.close();
    hangUp();
  }, reading === "late" ? LATE_LIMIT_MS : Math.max(0, leaveAt - performance.now()));
  try {
    await writeAll(conn, STREAM_REQUEST);
    const head = await readHead(conn);
    out.status = head.status;
    out.read = head.extra;
    if (reading === "stall") await left;
    else if (reading === "slow") {
      const buf = new Uint8Array(16384);
      while (!hungUp) {
        const n = await conn.read(buf);
        if (n === null) break;
        out.read += n;
        await Promise.race([sleep(250), left]);
      }
    } else {
      await Promise.race([sleep(3000), left]);
      const buf = new Uint8Array(262144);
      let tail = "";
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        out.read += n;
        tail = (tail + dec.decode(buf.subarray(Math.max(0, n - 64), n))).slice(-64);
      }
      // The last event, then the chunked body's terminator.
      out.complete = tail.includes("data: [DONE]") && tail.endsWith("0\r\n\r\n");
    }
  } catch (err) {
    if (!hungUp) out.error = (err as Error).message;
  } finally {
    clearTimeout(timer);
    if (!hungUp) conn.close();
  }
  return out;
}

/** Bytes the kernel holds in the loopback sockets either side of the proxy: queued, not the proxy's RSS. */
interface Queues {
  /** Written by the proxy, not yet taken by the clients. */
  toClients: number;
  /** Sent by the mock, not yet read by the proxy. */
  fromUpstream: number;
}

async function socketQueues(proxyPort: number, mockPort: number): Promise<Queues> {
  const out = await new Deno.Command("ss", { args: ["-tnH"], stdout: "piped" }).output();
  const q: Queues = { toClients: 0, fromUpstream: 0 };
  for (const line of dec.decode(out.stdout).split("\n")) {
    const m = /(\d+)\s+(\d+)\s+\S+:(\d+)\s+\S+:(\d+)\s*$/.exec(line);
    if (!m) continue;
    const [recv, send, local, peer] = m.slice(1).map(Number);
    if (local === proxyPort) q.toClients += send;
    if (peer === proxyPort) q.toClients += recv;
    if (peer === mockPort) q.fromUpstream += recv;
    if (local === mockPort) q.fromUpstream += send;
  }
  return q;
}

interface Round {
  /** Just before the stalled and slow clients hang up. */
  beforeLeave: { rss: number; open: number; queues: Queues };
  openAtStart: number;
  peak: number;
  after1s: number;
  after3s: number;
  open1s: number;
  open3s: number;
  upstreamMB: number;
  clientMB: number;
  lateComplete: number;
  late: number;
  failed: number;
  seconds: number;
  probes: Probes;
}

async function slowRound(
  proxy: Process,
  mock: Process,
  rss: RssSampler,
  clients: number,
): Promise<Round> {
  const port = Number(new URL(proxy.url).port);
  const mockPort = Number(new URL(mock.url).port);
  const before = await upstreamStats(mock);
  rss.reset();
  const probes = probe(port);
  const t0 = performance.now();
  const beforeLeave = sleep(LEAVE_MS - 500).then(async () => ({
    rss: rss.last,
    open: (await upstreamStats(mock)).open,
    queues: await socketQueues(port, mockPort),
  }));
  const outcomes = await Promise.all(
    Array.from({ length: clients }, (_, i) => streamClient(port, readingOf(i), t0 + LEAVE_MS)),
  );
  const seconds = (performance.now() - t0) / 1000;
  const p = await probes.stop();
  await sleep(1000);
  const at1 = await upstreamStats(mock);
  const after1s = rss.last;
  await sleep(2000);
  const at3 = await upstreamStats(mock);
  const late = outcomes.filter((o) => o.reading === "late");
  const failed = outcomes.filter((o) => o.error !== null || o.status !== 200);
  for (const f of failed.slice(0, 3)) {
    console.error(`  client ${f.reading}: ${f.status} ${f.error}`);
  }
  return {
    beforeLeave: await beforeLeave,
    openAtStart: before.open,
    peak: rss.peak,
    after1s,
    after3s: rss.last,
    open1s: at1.open,
    open3s: at3.open,
    upstreamMB: (at3.bytes - before.bytes) / 1048576,
    clientMB: outcomes.reduce((sum, o) => sum + o.read, 0) / 1048576,
    lateComplete: late.filter((o) => o.complete).length,
    late: late.length,
    failed: failed.length,
    seconds,
    probes: p,
  };
}

/** How long the proxy is left idle after the last round before its RSS is read again. */
const SETTLE_MS = 10_000;

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile) total += (await Deno.stat(`${dir}/${e.name}`)).size;
  }
  return total;
}

/** One provider on the mock, every model to it, the file log in a fresh directory. */
function soakConfig(upstream: string, logDir: string, bodies: boolean): string {
  return stringify({
    log: { level: "error", dir: logDir, bodies },
    providers: { up: { type: "openai", base_url: `${upstream}/v1`, api_key: "sk-soak" } },
    models: { "*": ["up/*"] },
  });
}

async function slowClients(clients: number, rounds: number): Promise<string[]> {
  const started = performance.now();
  await using mock = await spawnListening([SELF, "--mock-upstream"], { cpu: LOAD_CPU });
  const leave = `${(LEAVE_MS - 500) / 1000} s`;
  const memory = [
    `Slow clients: ${clients} concurrent ~${
      STREAM_BYTES / 1048576
    } MB streams a round (40% stall after the headers, 40% read 16 KiB / 250 ms, 20% stall 3 s then read to the end); stalled and slow hang up at ${
      LEAVE_MS / 1000
    } s. Proxy memory (MB):`,
    "",
    `| log.bodies | round | idle RSS | RSS at ${leave} | peak RSS | RSS 1 s after | RSS 3 s after | growth (3 s after − before) | peak V8 heap used | peak external |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const calls = [
    "Upstream calls, bytes, and the proxy's responsiveness meanwhile:",
    "",
    `| log.bodies | round | upstream open at start / ${leave} / 1 s after / 3 s after | upstream sent MB | clients read MB | kernel socket queues at ${leave} MB, to clients / from upstream | late readers complete | failed clients | round s | /health max ms (over 1 s, failed, of) | harness timer lag max ms |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const settled: string[] = [];
  for (const bodies of [true, false]) {
    const logDir = await Deno.makeTempDir({ prefix: "soak-log-" });
    await using proxy = await spawnProxy(soakConfig(mock.url, logDir, bodies), { cpu: PROXY_CPU });
    const rss = new RssSampler(proxy.pid);
    await sleep(1000);
    const idle = rss.last;
    let previous = idle;
    for (let r = 1; r <= rounds; r++) {
      const f = await slowRound(proxy, mock, rss, clients);
      console.error(
        `slow clients, bodies ${bodies}, round ${r}: peak ${mb(f.peak)} MB, after ${
          mb(f.after3s)
        } MB, upstream open ${f.beforeLeave.open}/${f.open1s}/${f.open3s}, ${
          f.seconds.toFixed(1)
        } s`,
      );
      const growth = f.after3s - previous;
      memory.push(
        `| ${bodies} | ${r} | ${r === 1 ? mb(idle) : ""} | ${mb(f.beforeLeave.rss)} | ${
          mb(f.peak)
        } | ${mb(f.after1s)} | ${mb(f.after3s)} | ${growth >= 0 ? "+" : ""}${mb(growth)} | ${
          mb(f.probes.heapPeak)
        } | ${mb(f.probes.externalPeak)} |`,
      );
      const q = f.beforeLeave.queues;
      const h = f.probes;
      calls.push(
        `| ${bodies} | ${r} | ${f.openAtStart} / ${f.beforeLeave.open} / ${f.open1s} / ${f.open3s} | ${
          f.upstreamMB.toFixed(0)
        } | ${f.clientMB.toFixed(0)} | ${mb(q.toClients)} / ${
          mb(q.fromUpstream)
        } | ${f.lateComplete}/${f.late} | ${f.failed} | ${f.seconds.toFixed(1)} | ${
          h.healthMaxMs.toFixed(0)
        } (${h.healthSlow}, ${h.healthFailed}, ${h.healthCount}) | ${h.lagMaxMs.toFixed(0)} |`,
      );
      previous = f.after3s;
    }
    // V8 and the allocator give memory back only once the process has been idle a while.
    await sleep(SETTLE_MS);
    settled.push(
      `- log.bodies ${bodies}: RSS ${mb(rss.last)} MB ${
        SETTLE_MS / 1000
      } s after the last round; the file log directory holds ${mb(await dirBytes(logDir))} MB.`,
    );
    rss.stop();
    await Deno.remove(logDir, { recursive: true });
  }
  const total = `Scenario time: ${((performance.now() - started) / 1000).toFixed(0)} s.`;
  return [...memory, "", ...settled, "", ...calls, "", total];
}

// ---------------------------------------------------------------------------------------------
// Scenario: connection exhaustion.

type Abuse = "trickled headers" | "endless chunked body" | "idle keep-alive";
const ABUSES: Abuse[] = ["trickled headers", "endless chunked body", "idle keep-alive"];
/** How long the abusive connections are kept up, at most: past `read_timeout_s` (30 s) by default. */
const ATTACK_MS = Number(values["attack-s"]) * 1000;

interface AbuseOutcome {
  abuse: Abuse;
  connected: boolean;
  /** When the proxy closed the connection, from its opening; null if it was still open at the end. */
  closedMs: number | null;
  /** The status line the proxy sent last, if any, and when, from the connection's opening. */
  said: string | null;
  saidMs: number | null;
}

/** What each abusive connection sends, one step a second (the first at once), for longer than the attack. */
function abuseSteps(abuse: Abuse): Uint8Array[] {
  const steps = Math.ceil(ATTACK_MS / 1000) + 5;
  if (abuse === "idle keep-alive") return [rawRequest("GET", "/health", "", false)];
  if (abuse === "trickled headers") {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: ${HOST}\r\nx-pad: ${
      "a".repeat(steps)
    }`;
    return [...head].map((c) => enc.encode(c));
  }
  const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: ${HOST}\r\n` +
    "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n";
  // Then a one-byte chunk every second: the body keeps moving and never ends.
  return [enc.encode(head), ...Array.from({ length: steps }, () => enc.encode("1\r\n \r\n"))];
}

/** One abusive connection, kept up until `until` unless the proxy closes it first. */
async function abusiveConnection(port: number, abuse: Abuse, until: number): Promise<AbuseOutcome> {
  const out: AbuseOutcome = {
    abuse,
    connected: false,
    closedMs: null,
    said: null,
    saidMs: null,
  };
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: HOST, port });
  } catch {
    return out;
  }
  out.connected = true;
  const opened = performance.now();
  let leaving = false;
  let closedByProxy = false;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        const line = /HTTP\/1\.1 \d+[^\r]*/.exec(dec.decode(buf.subarray(0, n)));
        if (line) [out.said, out.saidMs] = [line[0], performance.now() - opened];
      }
    } catch { /* reset, or closed by us */ }
    if (!leaving) {
      closedByProxy = true;
      out.closedMs = performance.now() - opened;
    }
  })();
  const writing = (async () => {
    for (const step of abuseSteps(abuse)) {
      if (leaving || closedByProxy) return;
      try {
        await writeAll(conn, step);
      } catch {
        return;
      }
      await sleep(1000);
    }
  })();
  await Promise.race([sleep(until - performance.now()), reading]);
  leaving = true;
  if (!closedByProxy) conn.close();
  await Promise.all([reading, writing]);
  return out;
}

interface Plain {
  startedMs: number;
  ok: boolean;
  ms: number;
  why: string | null;
}

/** Plain chat completions at `perSecond` on fresh connections, each given 5 s, until `stop` resolves. */
async function steadyLoad(port: number, perSecond: number, stop: Promise<void>): Promise<Plain[]> {
  const t0 = performance.now();
  const pending: Promise<Plain>[] = [];
  let stopped = false;
  stop.then(() => stopped = true);
  while (!stopped) {
    const startedMs = performance.now() - t0;
    pending.push(
      request(port, CHAT_REQUEST, 5000).then(
        (a) => ({
          startedMs,
          ok: a.status === 200,
          ms: a.ms,
          why: a.status === 200 ? null : `status ${a.status}`,
        }),
        (err) => ({ startedMs, ok: false, ms: 0, why: (err as Error).message }),
      ),
    );
    await sleep(1000 / perSecond);
  }
  return await Promise.all(pending);
}

/** Open descriptors of `pid`. */
function fdCount(pid: number): number {
  try {
    return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
  } catch {
    return 0;
  }
}

async function connectionExhaustion(total: number, fdLimit: number): Promise<string[]> {
  const started = performance.now();
  await using mock = await spawnListening([SELF, "--mock-upstream"], { cpu: LOAD_CPU });
  const logDir = await Deno.makeTempDir({ prefix: "soak-log-" });
  await using proxy = await spawnProxy(soakConfig(mock.url, logDir, true), {
    cpu: PROXY_CPU,
    fdLimit,
  });
  const port = Number(new URL(proxy.url).port);
  let exit: Deno.CommandStatus | null = null;
  let exitMs = 0;
  const rss = new RssSampler(proxy.pid);
  let fdPeak = fdCount(proxy.pid);
  const fds = setInterval(() => fdPeak = Math.max(fdPeak, fdCount(proxy.pid)), 250);

  // Normal traffic before, during and after the attack: 3 s, up to ATTACK_MS, 5 s.
  let endLoad!: () => void;
  const load = steadyLoad(port, 20, new Promise((r) => endLoad = r));
  const t0 = performance.now();
  proxy.status.then((s) => [exit, exitMs] = [s, performance.now() - t0]);
  await sleep(3000);
  const attackAt = performance.now() - t0;
  const until = performance.now() + ATTACK_MS;
  const abusive = await Promise.all(
    Array.from({ length: total }, (_, i) => abusiveConnection(port, ABUSES[i % 3], until)),
  );
  // The attack lasts its full time even when every connection ended early (a proxy that died):
  // the normal requests of that time count as during it.
  await sleep(until - performance.now());
  const attackEnd = performance.now() - t0;
  await sleep(1000);
  let healthAfter = "no answer";
  try {
    const a = await request(port, rawRequest("GET", "/health"), 2000);
    healthAfter = `${a.status} in ${a.ms.toFixed(0)} ms`;
  } catch (err) {
    healthAfter = (err as Error).message;
  }
  await sleep(4000);
  endLoad();
  const plain = await load;
  clearInterval(fds);
  rss.stop();
  await Deno.remove(logDir, { recursive: true });

  const lines = [
    `Connection exhaustion: the proxy under ulimit -n ${fdLimit}; ${total} abusive connections (a third of each kind) for up to ${
      ATTACK_MS / 1000
    } s, 20 plain chat completions/s on fresh connections (5 s allowed each) throughout.`,
    "",
    "| connection kind | opened | closed by the proxy within the attack | s to close, median / max | last status line from the proxy (how many) | s to that answer, median / max |",
    "|---|---:|---:|---:|---|---:|",
  ];
  const s = (ms: number | undefined) => (ms === undefined ? "–" : (ms / 1000).toFixed(1));
  const medianMax = (xs: (number | null)[]) => {
    const sorted = xs.filter((x) => x !== null).sort((a, b) => a - b);
    return `${s(sorted[Math.floor(sorted.length / 2)])} / ${s(sorted.at(-1))}`;
  };
  for (const abuse of ABUSES) {
    const mine = abusive.filter((o) => o.abuse === abuse);
    const said = new Map<string, number>();
    for (const o of mine) said.set(o.said ?? "nothing", (said.get(o.said ?? "nothing") ?? 0) + 1);
    lines.push(
      `| ${abuse} | ${mine.filter((o) => o.connected).length}/${mine.length} | ${
        mine.filter((o) => o.closedMs !== null).length
      } | ${medianMax(mine.map((o) => o.closedMs))} | ${
        [...said].map(([w, n]) => `${w} (${n})`).join(", ")
      } | ${medianMax(mine.map((o) => o.saidMs))} |`,
    );
  }
  const phase = (from: number, to: number) =>
    plain.filter((p) => p.startedMs >= from && p.startedMs < to);
  const phases: [string, Plain[]][] = [
    ["before", phase(0, attackAt)],
    ["during", phase(attackAt, attackEnd)],
    ["after", phase(attackEnd, Infinity)],
  ];
  lines.push(
    "",
    "| normal requests | sent | failed | p50 ms of the ok | why they failed |",
    "|---|---:|---:|---:|---|",
  );
  for (const [name, ps] of phases) {
    const ok = ps.filter((p) => p.ok).map((p) => p.ms).sort((a, b) => a - b);
    const why = new Map<string, number>();
    for (const p of ps) if (p.why) why.set(p.why, (why.get(p.why) ?? 0) + 1);
    lines.push(
      `| ${name} the attack | ${ps.length} | ${ps.length - ok.length} | ${
        ok.length ? ok[Math.floor(ok.length / 2)].toFixed(1) : "–"
      } | ${[...why].map(([w, n]) => `${w} (${n})`).join(", ") || "–"} |`,
    );
  }
  const alive = exit === null;
  lines.push(
    "",
    `Proxy process: ${
      alive
        ? "alive"
        : `exited with code ${exit!.code} (signal ${exit!.signal}) ${
          ((exitMs - attackAt) / 1000).toFixed(1)
        } s into the attack`
    }; /health 1 s after the attack: ${healthAfter}; peak open descriptors ${fdPeak} (limit ${fdLimit}); peak RSS ${
      mb(rss.peak)
    } MB. Scenario time: ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  console.error(`exhaustion: proxy ${alive ? "alive" : "exited"}, /health after: ${healthAfter}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

async function soak(): Promise<void> {
  const wanted = values.scenarios.split(",");
  // The clients, the probes and the abusive connections are all sockets of this process.
  const connections = values.connections.split(",").map(Number);
  const needed = Math.max(Number(values.clients), ...connections) + 200;
  const limit = Number(
    /Max open files\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/limits"))?.[1],
  );
  if (limit < needed) {
    throw new Error(`open files limited to ${limit}: run under ulimit -n ${needed} or more`);
  }
  const lines: string[] = [];
  if (wanted.includes("slow")) {
    lines.push(...(await slowClients(Number(values.clients), Number(values.rounds))), "");
  }
  if (wanted.includes("exhaust")) {
    for (const n of connections) {
      lines.push(...(await connectionExhaustion(n, Number(values["fd-limit"]))), "");
    }
  }
  const cpu = /model name\s+: (.+)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1] ??
    "unknown CPU";
  const header = `Soak ${
    new Date().toISOString()
  } on ${cpu}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; proxy on core ${PROXY_CPU}, mock upstream on core ${LOAD_CPU}.\n`;
  const report = [header, ...lines].join("\n");
  await Deno.mkdir(`${HERE}results`, { recursive: true });
  await Deno.writeTextFile(`${HERE}results/soak.md`, report + "\n");
  console.log(report);
}

if (values["mock-upstream"]) mockUpstream();
else await soak();
