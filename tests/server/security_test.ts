/** What an attacker or a careless client sends, and what must never come of it. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import OpenAI from "openai";
import { fakeUpstream } from "../support/upstream.ts";
import { oneProvider, startProxy, startProxyWithPlugins } from "../support/proxy.ts";
import { jsonResponse, openAIChatJSON } from "../support/wire.ts";
import { tempDir } from "../support/cli.ts";

const PLUGIN_API = new URL("../../lib/plugin.ts", import.meta.url).href;

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

Deno.test("a pinned model cannot be bypassed with a repeated or escaped model key", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  // Whoever asks for gpt-5-pro gets the cheap model.
  await using proxy = startProxy(oneProvider("openai", up.url, { "gpt-5-pro": ["up/cheap"] }));
  const bodies = [
    '{"model":"x","model":"gpt-5-pro","messages":[{"role":"user","content":"hi"}]}',
    '{"mod\\u0065l":"gpt-5-pro","messages":[{"role":"user","content":"hi"}]}',
    '{"model":"gpt-5-pro","mod\\u0065l":"gpt-5-pro","messages":[]}',
  ];
  for (const body of bodies) {
    const res = await post(`${proxy.v1}/chat/completions`, body);
    assertEquals(res.status, 200, body);
    await res.body?.cancel();
    const sent = up.last().text;
    // One model key, the pinned one, whatever parser reads it: first-wins or last-wins.
    assertEquals(sent.match(/"mod(el|\\u0065l)"/g), ['"model"'], sent);
    assertEquals(up.last().json.model, "cheap");
  }
  assertEquals(proxy.records.at(-1)!.upstream_model, "cheap");
});

Deno.test("client headers: hop-by-hop ones named in Connection and every credential stay behind", async () => {
  await using up = fakeUpstream(() => jsonResponse(openAIChatJSON("ok")));
  await using proxy = startProxy(oneProvider("openai", up.url));
  const res = await post(
    `${proxy.v1}/chat/completions`,
    JSON.stringify({ model: "m", messages: [] }),
    {
      connection: "keep-alive, x-hop",
      "x-hop": "hop",
      "x-kept": "kept",
      "x-goog-api-key": "AIzaClientSecretKey0123456789",
      "api-key": "azure-client-secret",
      "proxy-authorization": "Basic c2VjcmV0OnNlY3JldA==",
      "x-api-key": "client-x-api-key",
    },
  );
  assertEquals(res.status, 200);
  await res.body?.cancel();
  const sent = up.last().headers;
  assertEquals(sent.get("x-kept"), "kept");
  for (const name of ["x-hop", "x-goog-api-key", "api-key", "proxy-authorization", "x-api-key"]) {
    assertEquals(sent.get(name), null, name);
  }
});

Deno.test("a client x-request-id is kept only when short and printable; otherwise a fresh one", async () => {
  await using proxy = startProxy({
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"] },
  });
  const ask = async (id: string) => {
    const res = await post(
      `${proxy.v1}/chat/completions`,
      JSON.stringify({ model: "echo", messages: [{ role: "user", content: "hi" }] }),
      { "x-request-id": id },
    );
    await res.body?.cancel();
    return res.headers.get("x-request-id")!;
  };
  assertEquals(await ask("req-123"), "req-123");
  const long = "a".repeat(129);
  const fresh = await ask(long);
  assert(fresh !== long && /^[0-9a-f-]{36}$/.test(fresh), fresh);
  const latin = await ask("caf\u00e9");
  assert(/^[0-9a-f-]{36}$/.test(latin), latin);
});

Deno.test("a plugin provider without apis serves chat; one without complete/stream is a startup error naming it", async () => {
  const dir = await tempDir({
    "minimal.ts": `import { definePlugin } from "${PLUGIN_API}";
const answer = () => Promise.resolve(Response.json({
  id: "c1", object: "chat.completion", created: 1, model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "minimal" }, finish_reason: "stop" }],
}));
export default definePlugin({ name: "minimal", providers: { minimal: () => ({ complete: answer, stream: answer }) } });`,
    "hollow.ts": `import { definePlugin } from "${PLUGIN_API}";
export default definePlugin({ name: "hollow", providers: { hollow: () => ({ apis: ["chat"] }) } });`,
  });
  await using proxy = await startProxyWithPlugins({
    plugins: [`${dir}/minimal.ts`],
    providers: { p: { type: "minimal" } },
    models: { m: ["p/m"] },
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "m",
    messages: [{ role: "user", content: "q" }],
  });
  assertEquals(r.choices[0].message.content, "minimal");

  let problem = "";
  try {
    await startProxyWithPlugins({
      plugins: [`${dir}/hollow.ts`],
      providers: { p: { type: "hollow" } },
      models: { m: ["p/m"] },
    });
  } catch (err) {
    problem = (err as Error).message;
  }
  assertMatch(
    problem,
    /providers\.p: provider type 'hollow' of plugin 'hollow' built something without complete\(\) and stream\(\)/,
  );
});

const PROVIDER_KEY = "sk-upstream-secret-0123456789";

Deno.test("secrets in what goes back: account and credential headers dropped, key-shaped values masked", async () => {
  await using up = fakeUpstream(() =>
    jsonResponse(openAIChatJSON("ok"), 200, {
      "x-echo-authorization": `Bearer ${PROVIDER_KEY}`,
      "x-debug-key": "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234",
      authorization: `Bearer ${PROVIDER_KEY}`,
      "openai-organization": "org-secret-team",
      "openai-project": "proj_secret",
      "anthropic-organization-id": "1b2c3d",
      "x-ratelimit-remaining-requests": "99",
    })
  );
  await using proxy = startProxy(oneProvider("openai", up.url));
  const res = await post(
    `${proxy.v1}/chat/completions`,
    JSON.stringify({ model: "m", messages: [] }),
  );
  await res.body?.cancel();
  const headers = Object.fromEntries(res.headers);
  for (
    const name of [
      "authorization",
      "openai-organization",
      "openai-project",
      "anthropic-organization-id",
    ]
  ) {
    assertEquals(headers[name], undefined, name);
  }
  assertEquals(headers["x-ratelimit-remaining-requests"], "99");
  assert(!JSON.stringify(headers).includes(PROVIDER_KEY), JSON.stringify(headers));
  assert(
    !JSON.stringify(headers).includes("AbCdEfGhIjKlMnOpQrStUvWx1234"),
    JSON.stringify(headers),
  );
  assertMatch(headers["x-echo-authorization"], /^Bearer sk-\.\.\.6789$/);
});

Deno.test("secrets in what goes back: an escaped key in an error body and upstream words in a mid-stream error are masked", async () => {
  const escaped = [...PROVIDER_KEY].map((c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )
    .join("");
  await using up = fakeUpstream((r) => {
    if (!r.json.stream) {
      return jsonResponse(
        `{"error":{"message":"bad key ${escaped}","type":"invalid_request_error"}}`,
        400,
      );
    }
    const first = `data: ${
      JSON.stringify({
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }],
      })
    }\n\n`;
    return new Response(`${first}data: {not json ${PROVIDER_KEY}\n\n`, {
      headers: { "content-type": "text/event-stream" },
    });
  });
  await using proxy = startProxy(oneProvider("openai", up.url));
  const plain = await post(
    `${proxy.v1}/chat/completions`,
    JSON.stringify({ model: "m", messages: [] }),
  );
  assertEquals(plain.status, 400);
  const text = await plain.text();
  assert(!text.includes(escaped) && !text.includes(PROVIDER_KEY), text);
  assertMatch(text, /bad key sk-…6789/);

  // An Anthropic client of an OpenAI upstream: the stream is translated, its failure reported.
  const streamed = await post(
    `${proxy.url}/v1/messages`,
    JSON.stringify({
      model: "m",
      max_tokens: 9,
      stream: true,
      messages: [{ role: "user", content: "q" }],
    }),
  );
  const events = await streamed.text();
  assertMatch(events, /event: error/);
  assert(!events.includes(PROVIDER_KEY), events);
});

Deno.test("what clients name cannot grow the metrics: long names refused, unknown models and routes count as other", async () => {
  await using proxy = startProxy({
    providers: { e: { type: "echo" } },
    models: { echo: ["e/echo"], "glob-*": ["e/echo"] },
  });
  const ask = (model: string) =>
    post(`${proxy.v1}/chat/completions`, JSON.stringify({ model, messages: [] }))
      .then(async (r) => (await r.body?.cancel(), r.status));
  assertEquals(await ask("x".repeat(257)), 400);
  // A 40,000-character name against a glob once took a backtracking regex seconds.
  assertEquals(await ask("a/".repeat(20000) + ":free"), 400);
  for (let i = 0; i < 50; i++) assertEquals(await ask(`unknown-${i}`), 404);
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${proxy.url}/no/such/route/${i}`);
    await res.body?.cancel();
  }
  assertEquals(await ask("glob-1"), 200);
  const text = await proxy.rt.metrics.text();
  assert(!text.includes("unknown-") && !text.includes("/no/such"), text);
  assertMatch(
    text,
    /switchyard_requests_total\{route="\/v1\/chat\/completions",model="other",provider="",status_class="4xx"\} 50/,
  );
  assertMatch(
    text,
    /switchyard_requests_total\{route="other",model="",provider="",status_class="4xx"\} 3/,
  );
  assertMatch(text, /model="glob-1"/);
});

Deno.test("a hostile answer full of usage keys is read in bounded time", async () => {
  const hostile = `{"id":"x","choices":[],${'"usage":{'.repeat(40000)}`;
  await using up = fakeUpstream(() => jsonResponse(hostile));
  await using proxy = startProxy(oneProvider("openai", up.url));
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [] }),
    headers: { "content-type": "application/json" },
    // Not a speed test: without the bounds this took minutes, the event loop frozen.
    signal: AbortSignal.timeout(10_000),
  });
  assertEquals((await res.text()).length, hostile.length);
  assertEquals(proxy.records.at(-1)!.usage, null);
});
