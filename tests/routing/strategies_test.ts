/**
 * Deployment limits and routing strategies (SPEC §11): a deployment at its
 * own rpm or tpm is passed over before its provider would answer 429 (and
 * when all are, the client gets 429 with Retry-After); `latency`,
 * `least_busy` and `cost` order a priority group as documented — each
 * counted at the mock upstreams.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { manualClock, startProxy } from "../support/proxy.ts";
import { chunkedBody, fakeUpstream, gate } from "../support/upstream.ts";
import { jsonResponse, openAIChatEvents, openAIChatJSON, sseResponse } from "../support/wire.ts";

/** An upstream answering every request, after `delayMs`, with 100 + 50 tokens. */
function upstream(delayMs = 0) {
  return fakeUpstream(async () => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return jsonResponse(openAIChatJSON("hi", { input: 100, output: 50 }));
  });
}

const chat = (url: string, body: Record<string, unknown> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], ...body }),
  });

const provider = (url: string, extra: Record<string, unknown> = {}) => ({
  type: "openai",
  base_url: url,
  retry: { attempts: 1 },
  ...extra,
});

Deno.test("deployment rpm and tpm: routing moves on before the provider says 429; all at their limit is a 429 with Retry-After", async () => {
  const clock = manualClock();
  await using a = upstream();
  await using b = upstream();
  await using proxy = startProxy(
    {
      providers: { a: provider(a.url), b: provider(b.url) },
      models: {
        m: [{ provider: "a", model: "x", rpm: 2 }, { provider: "b", model: "x", tpm: 300 }],
      },
    },
    {},
    { clock: clock.now },
  );
  for (let i = 0; i < 4; i++) assertEquals((await chat(proxy.url)).status, 200);
  await proxy.rt.recorder.flush();
  // a took two (its rpm), b the next two: 300 tokens, its tpm.
  assertEquals([a.received.length, b.received.length], [2, 2]);
  clock.advance(10_000);
  const full = await chat(proxy.url);
  assertEquals([full.status, full.headers.get("retry-after")], [429, "50"]);
  assertMatch(
    (await full.json()).error.message,
    /every deployment of model 'm' is at its rate limit/,
  );
  assertEquals([a.received.length, b.received.length], [2, 2], "nothing was sent");
  clock.advance(50_000);
  assertEquals((await chat(proxy.url)).status, 200);
  assertEquals(a.received.length, 3);
  const metrics = await proxy.rt.metrics.text();
  assertMatch(metrics, /switchyard_rate_limited_total\{key="",limit="deployment"\} 1/);
});

Deno.test("routing.strategy latency: the fastest recent first byte wins, a deployment not heard from yet is tried first", async () => {
  await using slow = upstream(60);
  await using fast = upstream(0);
  await using proxy = startProxy({
    providers: { slow: provider(slow.url), fast: provider(fast.url) },
    models: { m: ["slow/x", "fast/x"] },
    routing: { strategy: "latency" },
  });
  // Both new: each is tried once first (in either order), then the fast one takes the rest.
  for (let i = 0; i < 2; i++) await (await chat(proxy.url)).text();
  assertEquals([slow.received.length, fast.received.length], [1, 1]);
  for (let i = 0; i < 10; i++) await (await chat(proxy.url)).text();
  assertEquals([slow.received.length, fast.received.length], [1, 11]);
});

Deno.test("routing.strategy least_busy: the deployment with the fewest answers in flight, counted until they end", async () => {
  const hold = gate();
  const streaming = (url: string) => ({ ...provider(url) });
  const holdStream = () =>
    sseResponse(
      chunkedBody([openAIChatEvents(["a"])[0], { gate: hold.promise }, "data: [DONE]\n\n"]),
    );
  await using a = fakeUpstream(holdStream);
  await using b = fakeUpstream(holdStream);
  await using proxy = startProxy({
    providers: { a: streaming(a.url), b: streaming(b.url) },
    models: { m: ["a/x", "b/x"] },
    routing: { strategy: "least_busy" },
  });
  const open = [];
  for (let i = 0; i < 6; i++) {
    const r = await chat(proxy.url, { stream: true });
    const reader = r.body!.getReader();
    await reader.read();
    open.push(reader);
  }
  assertEquals([a.received.length, b.received.length], [3, 3], "each new one to the less busy");
  hold.open();
  for (const reader of open) while (!(await reader.read()).done);
});

Deno.test("routing.strategy cost: the cheapest priced deployment first, unpriced last; priorities still come first", async () => {
  await using dear = upstream();
  await using cheap = upstream();
  await using free = upstream();
  await using backup = upstream();
  const price = (input: number) => ({ input_per_mtok: input, output_per_mtok: input });
  await using proxy = startProxy({
    providers: {
      dear: provider(dear.url, { price: price(10) }),
      cheap: provider(cheap.url, { price: price(1) }),
      unpriced: provider(free.url),
      backup: provider(backup.url, { price: price(0) }),
    },
    models: {
      m: ["dear/x", "unpriced/x", "cheap/x", { provider: "backup", model: "x", priority: 5 }],
    },
    routing: { strategy: "cost" },
  });
  for (let i = 0; i < 5; i++) await (await chat(proxy.url)).text();
  assertEquals([
    cheap.received.length,
    dear.received.length,
    free.received.length,
    backup.received.length,
  ], [5, 0, 0, 0]);
});
