import { assert, assertEquals } from "../support/assert.ts";
import { stringify } from "yaml";
import { serve, tempDir } from "../support/cli.ts";
import { chunkedBody, fakeUpstream } from "../support/upstream.ts";
import { jsonResponse, openAIChatEvents, openAIChatJSON, sseResponse } from "../support/wire.ts";

const PROVIDER_KEY = "sk-provider-live-7f3a9c2e1b8d4f60";
const PROXY_KEY = "sk-proxy-client-4c1d9e8f7a6b5c32";
const BODY_SECRET = "sk-in-body-0a9b8c7d6e5f4a3b";

async function readLogs(dir: string): Promise<string> {
  let all = "";
  for (const f of Deno.readDirSync(dir)) all += await Deno.readTextFile(`${dir}/${f.name}`);
  return all;
}

Deno.test("secrets are masked in every output: responses, console (debug), file log, /metrics", async () => {
  // The upstream echoes its key back in an error, and answers with the key in its text too.
  await using up = fakeUpstream((r) => {
    if (r.json.model === "leaky") {
      return jsonResponse(JSON.stringify({ error: { message: `bad key ${PROVIDER_KEY}` } }), 400);
    }
    return r.json.stream
      ? sseResponse(chunkedBody(openAIChatEvents(["fine"], null)))
      : jsonResponse(openAIChatJSON("fine"));
  });
  const logs = await Deno.makeTempDir();
  const dir = await tempDir({
    "switchyard.yaml": stringify({
      server: { api_keys: ["${SWITCHYARD_KEY}"] },
      log: { level: "debug", dir: logs, bodies: true },
      providers: {
        up: {
          type: "openai",
          base_url: up.url,
          api_key: "${UPSTREAM_KEY}",
          retry: { attempts: 1 },
        },
      },
      models: { "*": ["up/*"] },
    }),
  });
  const p = await serve([], {
    cwd: dir,
    env: { SWITCHYARD_KEY: PROXY_KEY, UPSTREAM_KEY: PROVIDER_KEY },
  });
  const headers = { authorization: `Bearer ${PROXY_KEY}`, "content-type": "application/json" };
  const answers: string[] = [];
  for (
    const body of [
      {
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
        metadata: { api_key: BODY_SECRET },
      },
      {
        model: "gpt-4o",
        stream: true,
        messages: [{ role: "user", content: `token Bearer ${BODY_SECRET}` }],
      },
      { model: "leaky", messages: [] },
    ]
  ) {
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    answers.push(await res.text());
  }
  answers.push(await (await fetch(`${p.url}/metrics`, { headers })).text());
  answers.push(
    await (await fetch(`${p.url}/v1/models`, {
      headers: { authorization: "Bearer wrong-key-abcdef123456" },
    })).text(),
  );
  p.child.kill("SIGTERM");
  assertEquals((await p.child.status).code, 0);
  const outputs = {
    responses: answers.join("\n"),
    console: await p.output(),
    file: await readLogs(logs),
  };
  assert(
    outputs.file.includes('"status":400') && outputs.console.includes("POST /v1/chat/completions"),
    "every output was produced",
  );
  for (const [where, text] of Object.entries(outputs)) {
    for (const secret of [PROVIDER_KEY, PROXY_KEY, BODY_SECRET]) {
      assert(!text.includes(secret), `${secret} in ${where}`);
    }
  }
  assert(outputs.responses.includes("sk-…4f60"), "the masked form shows where the key was");
  assert(outputs.file.includes(`"api_key":"sk-…4a3b"`));
});

Deno.test("SIGTERM loses no log line; a log dir that cannot be written is reported once and the proxy keeps serving", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  const logs = await Deno.makeTempDir();
  const config = (logDir: string) =>
    stringify({
      log: { dir: logDir, bodies: true },
      providers: { up: { type: "openai", base_url: up.url } },
      models: { "*": ["up/*"] },
    });
  const dir = await tempDir({
    "good.yaml": config(logs),
    "bad.yaml": config("/dev/null/cannot-be-a-dir"),
  });

  const p = await serve(["--config", "good.yaml"], { cwd: dir });
  const n = 40;
  await Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${p.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", messages: [] }),
      }).then((r) => r.text())),
  );
  p.child.kill("SIGTERM");
  assertEquals((await p.child.status).code, 0);
  assertEquals((await readLogs(logs)).trim().split("\n").length, n);

  const bad = await serve(["--config", "bad.yaml"], { cwd: dir });
  // Lines this big are each written in a batch of their own: three failing writes.
  const big = JSON.stringify({
    model: "m",
    messages: [{ role: "user", content: "x".repeat(300_000) }],
  });
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${bad.url}/v1/chat/completions`, { method: "POST", body: big });
    assertEquals(res.status, 200);
    await res.text();
  }
  bad.child.kill("SIGTERM");
  assertEquals((await bad.child.status).code, 0);
  const reports = (await bad.output()).split("\n").filter((l) => l.includes("file log"));
  assertEquals(reports.length, 1, reports.join("\n"));
});
