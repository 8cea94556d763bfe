/** The file log under hostile or huge bodies: one JSON value per line, bounded, nothing lost. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { oneProvider, startProxy, type TestProxy } from "../support/proxy.ts";
import { chunkedBody, fakeUpstream, gate } from "../support/upstream.ts";
import { jsonResponse, openAIChatEvents, openAIChatJSON, sseResponse } from "../support/wire.ts";

type Line = Record<string, unknown>;

async function fileLines(proxy: TestProxy, dir: string): Promise<string[]> {
  await proxy.rt.recorder.flush();
  return (await Deno.readTextFile(`${dir}/switchyard.jsonl`)).split("\n").filter((l) => l !== "");
}

function post(proxy: TestProxy, body: string, id: string) {
  return fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-request-id": id },
  }).then((r) => r.text());
}

Deno.test("log injection: whatever the bodies hold, every line is one JSON value", async () => {
  const dir = await Deno.makeTempDir();
  const forged = '{"ts":"2026-01-01T00:00:00Z","request_id":"forged","cost_usd":1000}';
  await using up = fakeUpstream((r) =>
    r.json.user === "bad-json"
      ? new Response(`{"not": "json"\n${forged}\r`, {
        headers: { "content-type": "application/json" },
      })
      : jsonResponse(openAIChatJSON("fine"))
  );
  await using proxy = startProxy({ ...oneProvider("openai", up.url), log: { dir, bodies: true } });
  // Valid JSON whose whitespace is line breaks, with a whole forged record between them.
  await post(
    proxy,
    `{"model":"m","messages":[],"x":\n${forged}\r\n,"y":\r1}`,
    "pretty",
  );
  await post(proxy, JSON.stringify({ model: "m", messages: [], user: "bad-json" }), "bad-answer");
  const lines = await fileLines(proxy, dir);
  assertEquals(lines.length, 2, lines.join("\n---\n"));
  const parsed: Line[] = lines.map((l) => JSON.parse(l));
  assertEquals(parsed.map((l) => l.request_id), ["pretty", "bad-answer"]);
  assertEquals((parsed[0].request as Line).x, JSON.parse(forged));
  // An answer that says it is JSON but is not: logged as its text.
  assertEquals(parsed[1].response, `{"not": "json"\n${forged}\r`);
});

Deno.test("log bodies are cut at log.max_body_kb with a marker; a long stream is never held whole", async () => {
  const dir = await Deno.makeTempDir();
  const big = "x".repeat(8 * 1024);
  await using up = fakeUpstream((r) =>
    r.json.stream
      ? sseResponse(chunkedBody(openAIChatEvents(Array(200).fill(big))))
      : jsonResponse(openAIChatJSON(big))
  );
  await using proxy = startProxy({
    ...oneProvider("openai", up.url),
    log: { dir, bodies: true, max_body_kb: 4 },
  });
  const question = JSON.stringify({ model: "m", messages: [{ role: "user", content: big }] });
  await post(proxy, question, "json");
  const streamed = await post(
    proxy,
    JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "q" }] }),
    "stream",
  );
  assert(streamed.length > 200 * big.length, "the client got the whole stream");
  const [json, stream] = (await fileLines(proxy, dir)).map((l) => JSON.parse(l) as Line);
  assertMatch(
    json.request as string,
    /^\{"model":"m".*…\[cut: \d+ bytes in all; log\.max_body_kb\]$/s,
  );
  assertEquals((json.request as string).length < 4096 + 100, true);
  assertMatch(json.response as string, /…\[cut: \d+ bytes in all; log\.max_body_kb\]$/);
  const answer = stream.response as { text: string; cut: boolean };
  assertEquals(answer.cut, true);
  assert(answer.text.length < 4096, `${answer.text.length}`);
  // Usage still comes from the stream's end.
  assertEquals((stream.usage as Line).completion_tokens, 12);
});

Deno.test("no log line is lost: a huge request sits beside small ones, each logged", async () => {
  const dir = await Deno.makeTempDir();
  // The small answers wait for the huge request, so all four lines fall in one batch.
  const hugeArrived = gate();
  await using up = fakeUpstream(async (r) => {
    if (r.text.length < 1000) await hugeArrived.promise;
    else {
      hugeArrived.open();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return jsonResponse(openAIChatJSON("ok"));
  });
  await using proxy = startProxy({
    ...oneProvider("openai", up.url),
    log: { dir, bodies: true },
    server: { max_body_mb: 20 },
  });
  const huge = JSON.stringify({
    model: "m",
    messages: [{ role: "user", content: "h".repeat(17e6) }],
  });
  const small = (i: number) =>
    JSON.stringify({ model: "m", messages: [{ role: "user", content: `s${i}` }] });
  await Promise.all([
    post(proxy, small(1), "s1"),
    post(proxy, small(2), "s2"),
    post(proxy, huge, "huge"),
    post(proxy, small(3), "s3"),
  ]);
  const ids = (await fileLines(proxy, dir)).map((l) => (JSON.parse(l) as Line).request_id).sort();
  assertEquals(ids, ["huge", "s1", "s2", "s3"]);
});

Deno.test("a fast stream is logged with its status and first-byte time, and counted as 2xx", async () => {
  // The whole stream in one write: it has ended before the proxy starts relaying it.
  await using up = fakeUpstream(() =>
    sseResponse(openAIChatEvents(["all", " at", " once"]).join(""))
  );
  await using proxy = startProxy(oneProvider("openai", up.url));
  for (let i = 0; i < 5; i++) {
    await post(proxy, JSON.stringify({ model: "m", stream: true, messages: [] }), `fast-${i}`);
  }
  for (const r of proxy.records) {
    assertEquals(r.status, 200, r.request_id);
    assert(r.ttfb_ms !== null && r.ttfb_ms <= r.latency_ms, `${r.ttfb_ms} ${r.latency_ms}`);
  }
  const metrics = await proxy.rt.metrics.text();
  assert(!metrics.includes('status_class="0xx"'), metrics);
  assertMatch(metrics, /switchyard_time_to_first_byte_seconds_count\{model="m",provider="up"\} 5/);
});
