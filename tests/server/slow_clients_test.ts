/**
 * Clients that stop reading, and clients that leave: the upstream waits for a
 * slow reader (bounded memory) and is let go the moment its client is gone —
 * on every kind of stream: passed through, translated, split, plugin-made.
 */
import { assert, assertEquals } from "../support/assert.ts";
import {
  oneProvider,
  startProxy,
  startProxyWithPlugins,
  type TestProxy,
} from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { tempDir } from "../support/cli.ts";

const PLUGIN_API = new URL("../../lib/plugin.ts", import.meta.url).href;
const enc = new TextEncoder();

/** 64 OpenAI chat chunks of 1,000 `letter`s each, as one block of bytes. */
function chatBlock(letter: string): Uint8Array {
  const event = `data: ${
    JSON.stringify({
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { content: letter.repeat(1000) }, finish_reason: null }],
    })
  }\n\n`;
  return enc.encode(event.repeat(64));
}

/**
 * An OpenAI chat stream that never ends, made only as fast as it is read
 * (backpressure all the way); `letGo` is called when the reader cancels it.
 */
function endlessChatStream(letGo: () => void): ReadableStream<Uint8Array> {
  const block = chatBlock("x");
  return new ReadableStream({ pull: (c) => c.enqueue(block), cancel: letGo }, { highWaterMark: 0 });
}

/** An Anthropic stream that never ends, made only as fast as it is read. */
function endlessMessagesStream(letGo: () => void): ReadableStream<Uint8Array> {
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  let started = false;
  const delta = enc.encode(
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "y".repeat(1000) } })
      .repeat(64),
  );
  return new ReadableStream({
    pull(c) {
      if (!started) {
        started = true;
        c.enqueue(enc.encode(
          ev("message_start", {
            message: {
              id: "m",
              type: "message",
              role: "assistant",
              model: "c",
              content: [],
              usage: { input_tokens: 1, output_tokens: 1 },
            },
          }) + ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
        ));
      } else c.enqueue(delta);
    },
    cancel: letGo,
  }, { highWaterMark: 0 });
}

/** A raw client: sends the request, reads until some body arrived, stops reading for `stallMs`, then leaves. */
async function stallThenLeave(proxy: TestProxy, path: string, body: unknown, stallMs: number) {
  const { hostname, port } = new URL(proxy.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const text = JSON.stringify(body);
  await conn.write(enc.encode(
    `POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${
      enc.encode(text).length
    }\r\n\r\n${text}`,
  ));
  const buf = new Uint8Array(65536);
  let seen = 0;
  while (seen < 100_000) {
    const n = await conn.read(buf);
    if (n === null) break;
    seen += n;
  }
  await new Promise((resolve) => setTimeout(resolve, stallMs));
  conn.close();
  return seen;
}

/**
 * An upstream of endless streams that notes when each is let go: the proxy
 * closing the connection cancels the stream being sent (a server's request
 * signal does not fire once the response has started).
 */
function endlessUpstream() {
  const open = new Set<Promise<void>>();
  const up = fakeUpstream((r) => {
    let letGo!: () => void;
    open.add(new Promise<void>((resolve) => (letGo = resolve)));
    const body = r.path.startsWith("/v1/messages")
      ? endlessMessagesStream(letGo)
      : endlessChatStream(letGo);
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  /** Resolves when every stream made so far was let go; fails after `ms`. */
  const allLetGo = (what: string, ms = 5000) => {
    const pending = [...open];
    open.clear();
    return Promise.race([
      Promise.all(pending),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${what}: an upstream call is still open`)), ms)
      ),
    ]);
  };
  return Object.assign(up, { allLetGo });
}

const chat = { model: "m", stream: true, messages: [{ role: "user", content: "q" }] };
const messages = { ...chat, max_tokens: 9 };

Deno.test("a client that stalls and leaves lets go of its upstream: passed through, translated, split", async () => {
  await using up = endlessUpstream();
  await using proxy = startProxy({
    providers: {
      oa: { type: "openai", base_url: up.url },
      an: { type: "anthropic", base_url: up.url },
    },
    models: { m: ["oa/m"], "to-claude": ["an/c"], split: ["oa/m"] },
    splitter: { models: ["split"], model: "m" },
  });
  const cases: [string, string, unknown, number][] = [
    ["passed through", "/v1/chat/completions", chat, 1],
    ["translated", "/v1/chat/completions", { ...chat, model: "to-claude" }, 1],
    ["translated the other way", "/v1/messages", messages, 1],
    ["split (main and companion)", "/v1/chat/completions", { ...chat, model: "split" }, 2],
  ];
  for (const [what, path, body, calls] of cases) {
    const before = up.received.length;
    const seen = await stallThenLeave(proxy, path, body, 300);
    assert(seen >= 100_000, `${what}: ${seen} bytes`);
    const made = up.received.slice(before);
    assertEquals(made.length, calls, what);
    await up.allLetGo(what);
  }
});

Deno.test("a plugin provider's stream is let go too when its client leaves", async () => {
  const dir = await tempDir({
    "endless.ts": `import { definePlugin } from "${PLUGIN_API}";
export let cancelled = 0;
const block = new TextEncoder().encode(('data: ' + JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m",
  choices: [{ index: 0, delta: { content: "z".repeat(1000) }, finish_reason: null }] }) + "\\n\\n").repeat(64));
export default definePlugin({ name: "endless", providers: { endless: () => ({
  complete: () => Promise.reject(new Error("stream only")),
  stream: (call) => Promise.resolve(new Response(new ReadableStream({
    pull: (c) => c.enqueue(block),
    cancel: () => { cancelled++; globalThis.dispatchEvent(new Event("endless-cancelled")); },
  }, { highWaterMark: 0 }), { headers: { "content-type": "text/event-stream" } })),
}) } });`,
  });
  await using proxy = await startProxyWithPlugins({
    plugins: [`${dir}/endless.ts`],
    providers: { p: { type: "endless" } },
    models: { m: ["p/m"] },
  });
  const cancelled = new Promise((resolve) =>
    globalThis.addEventListener("endless-cancelled", resolve, { once: true })
  );
  const seen = await stallThenLeave(proxy, "/v1/chat/completions", chat, 300);
  assert(seen >= 100_000);
  await Promise.race([
    cancelled,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error("the plugin's stream is still read")), 5000)
    ),
  ]);
});

Deno.test("a client that stops reading for longer than idle_timeout_s is waited for: the pause is not the upstream's silence", async () => {
  let finite = 0;
  await using up = fakeUpstream(() => {
    // A long stream, then its end: the client must get all of it after its pause.
    const block = chatBlock("w");
    return new Response(
      new ReadableStream({
        pull(c) {
          if (finite++ < 100) return c.enqueue(block);
          c.enqueue(
            enc.encode(
              `data: ${
                JSON.stringify({
                  id: "c",
                  object: "chat.completion.chunk",
                  created: 1,
                  model: "m",
                  choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
                })
              }\n\ndata: [DONE]\n\n`,
            ),
          );
          c.close();
        },
      }, { highWaterMark: 0 }),
      { headers: { "content-type": "text/event-stream" } },
    );
  });
  await using proxy = startProxy(
    oneProvider("openai", up.url, { "*": ["up/*"] }, { idle_timeout_s: 0.2 }),
  );
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify(chat),
    headers: { "content-type": "application/json" },
  });
  const reader = res.body!.getReader();
  await reader.read();
  // Not reading for three idle timeouts: the upstream is paused by us, not silent.
  await new Promise((resolve) => setTimeout(resolve, 600));
  let text = "";
  const dec = new TextDecoder();
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += dec.decode(r.value);
  assert(text.endsWith("data: [DONE]\n\n"), text.slice(-300));
  assert(!text.includes('"error"'), "no error event");
});
