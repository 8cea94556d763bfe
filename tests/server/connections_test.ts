/**
 * Connections that would hold the proxy's resources forever: late headers,
 * idle keep-alives, bodies that never end, too many at once, and running out
 * of file descriptors. Each is closed or refused; the process lives on.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { serve, tempDir } from "../support/cli.ts";
import { stringify } from "yaml";

const enc = new TextEncoder();
const dec = new TextDecoder();
const echo = {
  providers: { e: { type: "echo" } },
  models: { echo: ["e/echo"] },
};

async function connect(proxy: TestProxy): Promise<Deno.Conn> {
  const { hostname, port } = new URL(proxy.url);
  return await Deno.connect({ hostname, port: Number(port) });
}

/** Everything the server sends until it closes the connection; fails the test after `ms`. */
async function untilClosed(conn: Deno.Conn, ms = 5000): Promise<string> {
  const timer = setTimeout(() => conn.close(), ms);
  let text = "";
  const buf = new Uint8Array(4096);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
  } catch (err) {
    // A reset is the server closing while this side still had bytes in flight.
    if (err instanceof Deno.errors.ConnectionReset) return text;
    if (!(err instanceof Deno.errors.BadResource)) throw err;
    throw new Error(`the server kept the connection open for ${ms} ms; got: ${text}`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed already */ }
  }
  return text;
}

const limits = { header_timeout_s: 0.3, keepalive_s: 0.3, read_timeout_s: 0.3 };

Deno.test("a request head that trickles in is cut off after header_timeout_s", async () => {
  await using proxy = startProxy({ ...echo, server: limits });
  const conn = await connect(proxy);
  await conn.write(enc.encode("GET /health HTTP/1.1\r\nHo"));
  // One more byte now and then, never the end of the head.
  const trickle = setInterval(() => conn.write(enc.encode("s")).catch(() => {}), 50);
  try {
    assertEquals(await untilClosed(conn), "");
  } finally {
    clearInterval(trickle);
  }
});

Deno.test("an idle keep-alive connection is closed after keepalive_s; a busy one is not", async () => {
  await using proxy = startProxy({ ...echo, server: limits });
  const conn = await connect(proxy);
  await conn.write(enc.encode("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  const answered = await untilClosed(conn);
  assertMatch(answered, /^HTTP\/1\.1 200 /);
  assertMatch(answered, /\{"status":"ok"\}$/);
  // A stream longer than keepalive_s is not cut: the connection is busy, not idle.
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "echo",
      stream: true,
      messages: [{ role: "user", content: "a slow answer of many words" }],
    }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 600));
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += dec.decode(r.value);
  assert(rest.endsWith("data: [DONE]\n\n"), rest);
});

Deno.test("a body that never ends gets its 408 and the connection closed", async () => {
  await using proxy = startProxy({ ...echo, server: limits });
  const conn = await connect(proxy);
  await conn.write(enc.encode(
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n" +
      "transfer-encoding: chunked\r\n\r\n1\r\n{\r\n",
  ));
  const feed = setInterval(() => conn.write(enc.encode("1\r\n \r\n")).catch(() => {}), 50);
  try {
    const answer = await untilClosed(conn);
    assertMatch(answer, /^HTTP\/1\.1 408 /);
  } finally {
    clearInterval(feed);
  }
});

Deno.test("connections past max_connections get a 503 in OpenAI's format; the rest are served", async () => {
  await using proxy = startProxy({ ...echo, server: { max_connections: 3 } });
  const held = await Promise.all([0, 1, 2].map(() => connect(proxy)));
  // The first three are open (and idle): a fourth is refused, at once, with a reason.
  const extra = await connect(proxy);
  const refused = await untilClosed(extra);
  assertMatch(refused, /^HTTP\/1\.1 503 /);
  assertMatch(refused, /retry-after: 1/);
  assertMatch(refused, /"message":"too many connections \(server\.max_connections\)"/);
  for (const c of held) c.close();
  // Once they are gone, new connections are served again.
  for (let i = 0;; i++) {
    const res = await fetch(`${proxy.url}/health`).catch(() => null);
    if (res?.status === 200) {
      await res.body?.cancel();
      break;
    }
    await res?.body?.cancel();
    assert(i < 100, "never served again");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

Deno.test("out of file descriptors: the process lives, refuses what it cannot take, and serves again", async () => {
  const proxy = await serve(["--config", await echoConfigFile()], { fdLimit: 128 });
  const { hostname, port } = new URL(proxy.url);
  const held: Deno.Conn[] = [];
  try {
    // Far past its limit; some connect (the kernel's accept queue) even while it cannot accept.
    for (let i = 0; i < 250; i++) {
      const conn = await Deno.connect({ hostname, port: Number(port) }).catch(() => null);
      if (conn) held.push(conn);
    }
    for (const c of held) {
      await c.write(enc.encode("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).catch(() => {});
    }
  } finally {
    for (const c of held) {
      try {
        c.close();
      } catch { /* reset by the server */ }
    }
  }
  let served = false;
  for (let i = 0; i < 200 && !served; i++) {
    const res = await fetch(`${proxy.url}/health`).catch(() => null);
    served = res?.status === 200;
    await res?.body?.cancel();
    if (!served) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  proxy.child.kill("SIGTERM");
  const status = await proxy.child.status;
  const output = await proxy.output();
  assert(served, `never served again:\n${output}`);
  assertEquals(status.code, 0, output);
  assertMatch(output, /cannot accept connections: .*Too many open files/);
});

async function echoConfigFile(): Promise<string> {
  const dir = await tempDir({
    "echo.yaml": stringify({ ...echo, log: { dir: "" } }),
  });
  return `${dir}/echo.yaml`;
}

Deno.test("a promise a plugin left to fail, or an error thrown from its timer, is logged; the proxy keeps serving", async () => {
  const plugin = new URL("../../lib/plugin.ts", import.meta.url).href;
  const dir = await tempDir({
    "stray.ts": `import { definePlugin } from "${plugin}";
export default definePlugin({ name: "stray", hooks: {
  onRequest() {
    Promise.reject(new Error("nobody awaited this"));
    setTimeout(() => { throw new Error("thrown from a timer"); }, 0);
  },
} });`,
    "stray.yaml": stringify({ ...echo, plugins: ["./stray.ts"], log: { dir: "" } }),
  });
  const proxy = await serve(["--config", `${dir}/stray.yaml`]);
  const ask = () =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "echo", messages: [{ role: "user", content: "hi" }] }),
    }).then(async (r) => (await r.body?.cancel(), r.status));
  assertEquals(await ask(), 200);
  // The stray failures (a microtask, a zero timer) have happened by the time a second round trip is answered.
  assertEquals(await ask(), 200);
  proxy.child.kill("SIGTERM");
  assertEquals((await proxy.child.status).code, 0);
  const output = await proxy.output();
  assertMatch(output, /unhandled rejection: Error: nobody awaited this/);
  assertMatch(output, /uncaught error: Error: thrown from a timer/);
});
