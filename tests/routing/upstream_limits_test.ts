/** What an upstream sends is held only up to server.max_response_mb: past it, a clean failure. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { oneProvider, startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { jsonResponse, openAIChatEvents } from "../support/wire.ts";

const MB = 1048576;

function post(url: string, body: Record<string, unknown>) {
  return fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

Deno.test("an answer, an error body or a stream event past max_response_mb: a 502 or an error event, never held whole", async () => {
  const huge = "y".repeat(2 * MB);
  await using up = fakeUpstream((r) => {
    if (r.json.user === "error") return jsonResponse(`{"error":{"message":"${huge}"}}`, 400);
    if (!r.json.stream) return jsonResponse(`{"choices":[{"message":{"content":"${huge}"}}]}`);
    const [first] = openAIChatEvents(["start"]);
    // One event without an end: no newline ever comes.
    return new Response(`${first}data: {"choices":[{"delta":{"content":"${huge}`, {
      headers: { "content-type": "text/event-stream" },
    });
  });
  await using proxy = startProxy({
    ...oneProvider("openai", up.url, { "*": ["up/*"] }, { retry: { attempts: 1 } }),
    server: { max_response_mb: 1 },
  });

  const answer = await post(`${proxy.v1}/chat/completions`, { model: "m", messages: [] });
  assertEquals(answer.status, 502);
  assertMatch(
    (await answer.json()).error.message,
    /answer larger than 1048576 bytes \(server\.max_response_mb\)/,
  );

  // An error is judged by its status; its body is cut, not waited for.
  const error = await post(`${proxy.v1}/chat/completions`, {
    model: "m",
    messages: [],
    user: "error",
  });
  assertEquals(error.status, 400);
  assert((await error.arrayBuffer()).byteLength <= 64 * 1024);

  // A translated stream (an Anthropic client) must parse events: an endless one ends it with an error.
  const stream = await post(`${proxy.url}/v1/messages`, {
    model: "m",
    max_tokens: 9,
    stream: true,
    messages: [{ role: "user", content: "q" }],
  });
  const events = await stream.text();
  assertMatch(events, /event: error\ndata: .*upstream sent an event over 1048576 bytes/);
  assert(events.length < MB, `${events.length}`);
});
