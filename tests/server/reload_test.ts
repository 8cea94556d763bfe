/**
 * Hot reload (SPEC §13), on the proxy as a process: SIGHUP, POST
 * /admin/reload and `server.watch` swap a whole, checked config in while
 * requests and long streams run on — none dropped, none cut; a broken edit
 * changes nothing and says why; windows, cooldowns and counters carry
 * across; a changed plugin is imported anew; /admin/config shows the running
 * config with every secret masked.
 */
import { stringify } from "yaml";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { serve, tempDir } from "../support/cli.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { jsonResponse, openAIChatEvents, openAIChatJSON, sseResponse } from "../support/wire.ts";

type Json = Record<string, unknown>;

const ADMIN = "sk-admin-000000000000000001";
const TEAM = "sy-team00000000000000000000000000000000001";
const PROVIDER_KEY = "sk-provider-secret-0123456789abcdef";

/** Answers with the upstream model it was asked for; streams 30 chunks 10 ms apart. */
function upstream() {
  return fakeUpstream((r) => {
    const model = String(r.json.model);
    if (model === "broken") return jsonResponse(JSON.stringify({ error: { message: "no" } }), 500);
    if (!r.json.stream) return jsonResponse(openAIChatJSON(`from ${model}`));
    const events = openAIChatEvents(Array.from({ length: 30 }, (_, i) => `${i} `));
    const enc = new TextEncoder();
    let i = 0;
    return sseResponse(
      new ReadableStream({
        async pull(c) {
          if (i === events.length) return c.close();
          if (i > 0) await new Promise((r) => setTimeout(r, 10));
          c.enqueue(enc.encode(events[i++]));
        },
      }),
    );
  });
}

function config(url: string, model: string, extra: Json = {}): Json {
  return {
    server: { api_keys: [ADMIN], ...(extra.server as Json ?? {}) },
    log: { level: "info", dir: "" },
    providers: {
      oa: { type: "openai", base_url: url, api_key: PROVIDER_KEY, retry: { attempts: 1 } },
    },
    models: { m: [`oa/${model}`] },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "server")),
  };
}

const auth = { authorization: `Bearer ${ADMIN}` };

const chat = (base: string, stream = false, key = ADMIN, model = "m") =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  }).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }));

const adminReload = (base: string) =>
  fetch(`${base}/admin/reload`, { method: "POST", headers: auth }).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }));

const metric = async (base: string, line: RegExp) => {
  const text = await fetch(`${base}/metrics`, { headers: auth }).then((r) => r.text());
  return Number(line.exec(text)?.[1] ?? NaN);
};

/** Every request counted in /metrics so far. */
async function answeredCount(base: string): Promise<number> {
  const text = await fetch(`${base}/metrics`, { headers: auth }).then((r) => r.text());
  return [...text.matchAll(/^switchyard_requests_total\{.*\} (\d+)$/gm)]
    .reduce((sum, m) => sum + Number(m[1]), 0);
}

async function proxyWith(cfg: Json) {
  const dir = await tempDir({ "switchyard.yaml": stringify(cfg) });
  const file = `${dir}/switchyard.yaml`;
  const p = await serve(["--config", file]);
  const write = (next: Json) => Deno.writeTextFile(file, stringify(next));
  return { ...p, dir, file, write };
}

async function stop(p: { child: Deno.ChildProcess; output(): Promise<string> }) {
  p.child.kill("SIGTERM");
  assertEquals((await p.child.status).code, 0, await p.output());
}

Deno.test("ten reloads under load, by SIGHUP and POST /admin/reload: every request answered, every stream whole, each config taking over", async () => {
  await using up = upstream();
  const p = await proxyWith(config(up.url, "v0"));
  try {
    let running = true;
    const failures: string[] = [];
    let answered = 0;
    const steady = async () => {
      while (running) {
        const r = await chat(p.url).catch((e) => ({ status: 0, text: String(e) }));
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
        answered++;
      }
    };
    const streams = async () => {
      while (running) {
        const r = await chat(p.url, true).catch((e) => ({ status: 0, text: String(e) }));
        const whole = r.status === 200 && r.text.includes("29 ") && r.text.endsWith("[DONE]\n\n");
        if (!whole) failures.push(`stream: ${r.status} ${r.text.slice(-200)}`);
        answered++;
      }
    };
    const load = [...Array.from({ length: 4 }, steady), ...Array.from({ length: 4 }, streams)];
    for (let i = 1; i <= 10; i++) {
      await p.write(config(up.url, `v${i}`));
      if (i % 2) p.child.kill("SIGHUP");
      else assertEquals((await adminReload(p.url)).status, 200);
      await p.said(/config reloaded/, i);
      assertMatch((await chat(p.url)).text, new RegExp(`from v${i}\\b`));
    }
    running = false;
    await Promise.all(load);
    assertEquals(failures, []);
    assert(answered > 50, `answered ${answered}`);
    assertEquals(await metric(p.url, /^switchyard_config_reloads_total\{result="ok"\} (\d+)/m), 10);
  } finally {
    await stop(p);
  }
});

Deno.test("a broken edit changes nothing: 400 with every problem, logged, the running config serving on", async () => {
  await using up = upstream();
  const p = await proxyWith(config(up.url, "good"));
  try {
    const before = await fetch(`${p.url}/admin/config`, { headers: auth }).then((r) => r.json());
    const broken = config(up.url, "good", { models: { m: ["nowhere/x"] } });
    await Deno.writeTextFile(p.file, stringify({ ...broken, routing: { strategy: "fastest" } }));
    const refused = await adminReload(p.url);
    assertEquals(refused.status, 400);
    assertEquals(refused.body.error.code, "invalid_config");
    assert(
      refused.body.problems.some((l: string) => l.startsWith("routing.strategy:")),
      refused.body.problems,
    );
    assert(
      refused.body.problems.some((l: string) => l.startsWith("models.m")),
      refused.body.problems,
    );
    await p.said(/reload refused, the running config stays/);
    assertMatch((await chat(p.url)).text, /from good/);
    const after = await fetch(`${p.url}/admin/config`, { headers: auth }).then((r) => r.json());
    assertEquals([after.sha256, after.loaded_at], [before.sha256, before.loaded_at]);
    assertEquals(
      await metric(p.url, /^switchyard_config_reloads_total\{result="error"\} (\d+)/m),
      1,
    );
    // A YAML that does not parse, by SIGHUP: the same.
    await Deno.writeTextFile(p.file, "models: [unclosed\n");
    p.child.kill("SIGHUP");
    await p.said(/reload refused, the running config stays/, 2);
    assertMatch((await chat(p.url)).text, /from good/);
  } finally {
    await stop(p);
  }
});

Deno.test("carried across a reload: a key's window, a cooldown, the counters; the cache starts empty", async () => {
  await using up = upstream();
  const keys = [{ name: "team", key: TEAM, rpm: 3 }];
  const base = {
    keys,
    models: { m: ["oa/broken", "oa/ok"], plain: ["oa/ok"] },
    routing: { cooldown: { failures: 1, seconds: 600 } },
    cache: { ttl_s: 600 },
  };
  const p = await proxyWith(config(up.url, "ok", base));
  try {
    for (let i = 0; i < 3; i++) assertEquals((await chat(p.url, false, TEAM)).status, 200);
    assertEquals((await chat(p.url, false, TEAM)).status, 429);
    assertEquals(
      (await chat(p.url, false, ADMIN, "plain")).headers.get("x-switchyard-cache"),
      null,
    );
    assertEquals(
      (await chat(p.url, false, ADMIN, "plain")).headers.get("x-switchyard-cache"),
      "hit",
    );
    const requests = await answeredCount(p.url);
    await p.write(config(up.url, "ok", { ...base, models: { ...base.models, extra: ["oa/ok"] } }));
    assertEquals((await adminReload(p.url)).status, 200);
    const again = await chat(p.url, false, TEAM);
    assertEquals(again.status, 429, `the window carried: ${again.text}`);
    const ready = await fetch(`${p.url}/health/ready`).then((r) => r.json());
    assertEquals(ready.cooldown.map((c: Json) => c.deployment), ["oa/broken"]);
    assertEquals(
      (await chat(p.url, false, ADMIN, "plain")).headers.get("x-switchyard-cache"),
      null,
    );
    assertEquals((await chat(p.url, false, ADMIN, "extra")).status, 200);
    const now = await answeredCount(p.url);
    assert(requests >= 6 && now >= requests, `counters kept: ${requests} → ${now}`);
  } finally {
    await stop(p);
  }
});

Deno.test("server.watch: a save by rename counts once, a rewrite of the same bytes not at all, a changed plugin is imported anew", async () => {
  await using up = upstream();
  const pluginText = (tag: string) =>
    `import { definePlugin } from "${new URL("../../lib/plugin.ts", import.meta.url).href}";\n` +
    `export default definePlugin({ name: "tag", hooks: { onResponse(ctx) {\n` +
    `  const m = (ctx.body.choices as any)[0].message; m.content = "${tag} " + m.content; } } });\n`;
  const dir = await tempDir({ "tag.ts": pluginText("one") });
  const cfg = (model: string) =>
    config(up.url, model, { server: { watch: true }, plugins: [`${dir}/tag.ts`] });
  await Deno.writeTextFile(`${dir}/switchyard.yaml`, stringify(cfg("a")));
  const p = await serve(["--config", `${dir}/switchyard.yaml`]);
  try {
    assertMatch((await chat(p.url)).text, /one from a/);
    // An editor's save: write a new file beside, rename it over the config.
    await Deno.writeTextFile(`${dir}/.switchyard.yaml.swp`, stringify(cfg("b")));
    await Deno.rename(`${dir}/.switchyard.yaml.swp`, `${dir}/switchyard.yaml`);
    await p.said(/config reloaded/, 1);
    assertMatch((await chat(p.url)).text, /one from b/);
    // The same bytes again: no reload; then a plugin edit: one.
    await Deno.writeTextFile(`${dir}/switchyard.yaml`, stringify(cfg("b")));
    await p.said(/written with the bytes running, not reloaded/);
    await Deno.writeTextFile(`${dir}/tag.ts`, pluginText("two"));
    await p.said(/config reloaded/, 2);
    assertMatch((await chat(p.url)).text, /two from b/);
    await stop(p);
    assertEquals((await p.output()).match(/config reloaded/g)?.length, 2);
  } finally {
    try {
      p.child.kill("SIGTERM");
    } catch { /* stopped */ }
  }
});

Deno.test("GET /admin/config: the running config, every secret masked, the file's sha256 and when it was loaded", async () => {
  await using up = upstream();
  const cfg = config(up.url, "x", {
    keys: [{ name: "team", key: TEAM }],
    state: { url: "memory:" },
    transforms: [],
  });
  (cfg.providers as Json).oa = {
    ...(cfg.providers as Json).oa as Json,
    base_url: up.url.replace("http://", "http://user:hunter2pass@"),
    headers: { add: { authorization: "Bearer tok-abcdefgh12345678" } },
  };
  const p = await proxyWith(cfg);
  try {
    const r = await fetch(`${p.url}/admin/config`, { headers: auth });
    assertEquals(r.status, 200);
    const text = await r.text();
    for (const secret of [ADMIN, TEAM, PROVIDER_KEY, "hunter2pass", "tok-abcdefgh12345678"]) {
      assert(!text.includes(secret), `${secret} shown`);
    }
    const body = JSON.parse(text);
    const bytes = await Deno.readFile(p.file);
    const digest = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    assertEquals(body.sha256, digest);
    assert(Math.abs(Date.parse(body.loaded_at) - Date.now()) < 60_000, body.loaded_at);
    assertEquals(body.config.models, { m: ["oa/x"] });
    // Admin only: no key 401, a virtual key 403.
    assertEquals((await fetch(`${p.url}/admin/config`)).status, 401);
    const asTeam = await fetch(`${p.url}/admin/reload`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEAM}` },
    });
    assertEquals([asTeam.status, (await asTeam.json()).error.code], [403, "admin_only"]);
  } finally {
    await stop(p);
  }
});

Deno.test("with no proxy key, /admin/* answers on a loopback listener only", async () => {
  await using up = upstream();
  const open = { ...config(up.url, "x"), server: {} };
  const loopback = await proxyWith(open);
  const exposed = await proxyWith({
    ...open,
    server: { host: "0.0.0.0", allow_unauthenticated: true },
  });
  try {
    assertEquals((await fetch(`${loopback.url}/admin/config`)).status, 200);
    const port = new URL(exposed.url).port;
    const refused = await fetch(`http://127.0.0.1:${port}/admin/config`);
    assertEquals([refused.status, (await refused.json()).error.code], [403, "admin_only"]);
  } finally {
    await stop(loopback);
    await stop(exposed);
  }
});

Deno.test("a reload that would leave a reachable listener without a key is refused; ui_public opens the dashboard's reads there; named admin routes count under their prefix", async () => {
  await using up = upstream();
  const exposed = { ...config(up.url, "x"), server: { host: "0.0.0.0", api_keys: [ADMIN] } };
  const p = await proxyWith(exposed);
  try {
    const port = new URL(p.url).port;
    const base = `http://127.0.0.1:${port}`;
    // The new file says 127.0.0.1 and no key; the listener stays on 0.0.0.0 until a restart.
    await p.write({ ...config(up.url, "x"), server: { host: "127.0.0.1" } });
    const refused = await adminReload(base);
    assertEquals(refused.status, 400);
    assert(
      refused.body.problems.some((l: string) => l.startsWith("server.host:")),
      refused.body.problems,
    );
    assertEquals((await chat(base, false, "sy-nobody")).status, 401);

    await p.write({ ...exposed, server: { ...exposed.server, ui_public: true } });
    assertEquals((await adminReload(base)).status, 200);
    assertEquals((await fetch(`${base}/admin/stats`)).status, 200);
    assertEquals((await fetch(`${base}/admin/reload`, { method: "POST" })).status, 401);
    for (const id of ["aaa-chosen-by-a-client", "bbb-chosen-by-a-client"]) {
      await (await fetch(`${base}/admin/requests/${id}`)).body?.cancel();
    }
    const text = await fetch(`${base}/metrics`, { headers: auth }).then((r) => r.text());
    assert(!text.includes("chosen-by-a-client"), "a client's name is no label");
    assert(text.includes('route="/admin/requests/"'), "counted under the route's prefix");
  } finally {
    await stop(p);
  }
});
