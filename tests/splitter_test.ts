import { assert, assertEquals } from "./support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy } from "./support/proxy.ts";
import { chunkedBody, fakeUpstream, gate, type Received } from "./support/upstream.ts";
import {
  anthropicEvents,
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "./support/wire.ts";

const SEP = "\n——\n";

/** What the fake upstream answers for one model: whole text or stream pieces, with optional gates. */
interface Script {
  pieces: (string | { gate: Promise<unknown> })[];
  status?: number;
  delayMs?: number;
}

/** One upstream speaking both APIs; answers by the requested model. */
function upstream(scripts: Record<string, Script>) {
  return fakeUpstream(async (r: Received) => {
    const s = scripts[r.json.model as string];
    if (s.delayMs) await new Promise((res) => setTimeout(res, s.delayMs));
    if (s.status) {
      return jsonResponse(JSON.stringify({ error: { message: "companion down" } }), s.status);
    }
    const anthropic = r.path.startsWith("/v1/messages");
    const texts = s.pieces.filter((p): p is string => typeof p === "string");
    if (!r.json.stream) {
      return jsonResponse(
        anthropic ? anthropicJSON(texts.join("")) : openAIChatJSON(texts.join("")),
      );
    }
    // Gates fall between the events that carry the pieces around them.
    const events = anthropic
      ? anthropicEvents(texts)
      : openAIChatEvents(texts, r.json.stream_options ? undefined : null);
    const lead = anthropic ? 3 : 1;
    const body: (string | { gate: Promise<unknown> })[] = events.slice(0, lead);
    let next = lead;
    for (const p of s.pieces) body.push(typeof p === "string" ? events[next++] : p);
    body.push(...events.slice(next));
    return sseResponse(chunkedBody(body));
  });
}

function config(url: string, splitter: Record<string, unknown> = {}) {
  return {
    providers: {
      oa: { type: "openai", base_url: url, retry: { attempts: 1 } },
      an: { type: "anthropic", base_url: url, retry: { attempts: 1 } },
    },
    models: {
      "gpt-main": ["oa/main"],
      fixer: ["oa/fixer"],
      "claude-main": ["an/main"],
      "claude-fixer": ["an/fixer"],
      other: ["oa/main"],
    },
    splitter: {
      models: ["gpt-main", "claude-main"],
      model: "fixer",
      temperature: 0.2,
      prompt: "Fix: {message}",
      ...splitter,
    },
  };
}

const ask = [
  { role: "user" as const, content: "first question" },
  { role: "assistant" as const, content: "an answer" },
  {
    role: "user" as const,
    content: [{ type: "text" as const, text: "I has" }, {
      type: "text" as const,
      text: "a question",
    }],
  },
];

Deno.test("splitter, chat non-stream: main + separator + companion; the companion request's exact body", async () => {
  await using up = upstream({
    main: { pieces: ["Main answer."] },
    fixer: { pieces: ["I have a question."] },
  });
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "gpt-main",
    messages: ask,
    temperature: 0.9,
    max_tokens: 50,
  });
  assertEquals(r.choices[0].message.content, `Main answer.${SEP}I have a question.`);
  const main = up.received.find((x) => x.json.model === "main")!;
  assertEquals(main.json.temperature, 0.9);
  assertEquals(main.json.max_tokens, 50);
  assertEquals(main.json.messages, ask);
  const companion = up.received.find((x) => x.json.model === "fixer")!;
  assertEquals(companion.json, {
    model: "fixer",
    messages: [{ role: "user", content: "Fix: I has\na question" }],
    temperature: 0.2,
    stream: false,
  });
  assertEquals(r.usage?.prompt_tokens, 9, "the client's usage is the main request's");
});

Deno.test("splitter, messages non-stream: the companion's text joins the text block", async () => {
  await using up = upstream({ main: { pieces: ["Bonjour."] }, fixer: { pieces: ["Hello."] } });
  await using proxy = startProxy(config(up.url, { model: "claude-fixer" }));
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.create({
    model: "claude-main",
    max_tokens: 20,
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(m.content.length, 1);
  assertEquals(m.content[0].type === "text" && m.content[0].text, `Bonjour.${SEP}Hello.`);
  const companion = up.received.find((x) => x.json.model === "fixer")!;
  assertEquals(companion.path, "/v1/messages");
  assertEquals(companion.json.max_tokens, 4096);
});

Deno.test("splitter, chat stream: main chunks untouched, then separator and companion, then finish, usage, [DONE]", async () => {
  await using up = upstream({
    main: { pieces: ["Main ", "text."] },
    fixer: { pieces: ["Fixed ", "text."] },
  });
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const stream = ai.chat.completions.stream({ model: "gpt-main", messages: ask });
  const final = await stream.finalChatCompletion();
  assertEquals(final.choices[0].message.content, `Main text.${SEP}Fixed text.`);
  assertEquals(final.choices[0].finish_reason, "stop");
  assertEquals(up.received.find((x) => x.json.model === "fixer")!.json.stream, true);

  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "gpt-main",
      stream: true,
      stream_options: { include_usage: true },
      messages: ask,
    }),
  });
  const text = await res.text();
  const mainEvents = openAIChatEvents(["Main ", "text."]);
  assert(text.startsWith(mainEvents.slice(0, 3).join("")), "main chunks pass byte for byte");
  assert(
    text.endsWith(mainEvents.slice(3).join("")),
    "finish chunk, usage chunk and [DONE] come last, untouched",
  );
  const middle = text.slice(
    mainEvents.slice(0, 3).join("").length,
    text.length - mainEvents.slice(3).join("").length,
  );
  const contents = middle.trim().split("\n\n").map((e) =>
    JSON.parse(e.slice(6)).choices[0].delta.content
  );
  assertEquals(contents, [SEP + "Fixed ", "text."], "the separator goes with the first piece");
});

Deno.test("splitter, messages stream: a well-formed event sequence the SDK's finalMessage accepts", async () => {
  await using up = upstream({
    main: { pieces: ["Main ", "text."] },
    fixer: { pieces: ["Fixed."] },
  });
  await using proxy = startProxy(config(up.url, { model: "claude-fixer" }));
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.stream({
    model: "claude-main",
    max_tokens: 20,
    messages: [{ role: "user", content: "hi" }],
  }).finalMessage();
  // Inside the main answer's text block: a client keeping the last text block keeps the answer.
  assertEquals(m.content.map((b) => b.type === "text" ? b.text : b.type), [
    `Main text.${SEP}Fixed.`,
  ]);
  assertEquals(m.stop_reason, "end_turn");
  assertEquals(m.usage.output_tokens, 9, "the main request's usage");
});

Deno.test("splitter: main and companion run at the same time (two 500 ms upstreams, well under 1 s)", async () => {
  await using up = upstream({
    main: { pieces: ["main"], delayMs: 500 },
    fixer: { pieces: ["fix"], delayMs: 500 },
  });
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const t0 = performance.now();
  const r = await ai.chat.completions.create({ model: "gpt-main", messages: ask });
  const ms = performance.now() - t0;
  assertEquals(r.choices[0].message.content, `main${SEP}fix`);
  assert(ms < 900, `took ${ms} ms`);
});

Deno.test("splitter: the main stream's first chunk arrives while the companion is pending, and the companion streams as it arrives", async () => {
  const companionStarted = gate();
  const companionRest = gate();
  await using up = upstream({
    main: { pieces: ["Main."] },
    fixer: {
      pieces: [
        { gate: companionStarted.promise },
        "Fixed ",
        { gate: companionRest.promise },
        "text.",
      ],
    },
  });
  await using proxy = startProxy(config(up.url));
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-main", stream: true, messages: ask }),
  });
  const reader = res.body!.getReader();
  let seen = "";
  const until = async (needle: string) => {
    while (!seen.includes(needle)) {
      const r = await reader.read();
      assert(!r.done, `stream ended before ${needle}: ${seen}`);
      seen += new TextDecoder().decode(r.value);
    }
  };
  await until('"Main."');
  assert(!seen.includes("Fixed"));
  companionStarted.open();
  await until('Fixed "');
  assert(!seen.includes('"text."') && !seen.includes("[DONE]"), "the rest waits for the companion");
  companionRest.open();
  await until("[DONE]");
  assert(seen.indexOf('"text."') < seen.indexOf('"finish_reason":"stop"'));
});

Deno.test("splitter: a failing, silent or slow companion leaves the main answer exactly as without it", async () => {
  for (
    const fixer of [{ pieces: [], status: 500 }, { pieces: [] }, {
      pieces: [{ gate: new Promise(() => {}) }],
    }] as Script[]
  ) {
    await using up = upstream({ main: { pieces: ["Only ", "main."] }, fixer });
    await using proxy = startProxy(config(up.url, { timeout_s: 0.3 }));
    const res = await fetch(`${proxy.v1}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-main", stream: true, messages: ask }),
    });
    // As without the splitter: switchyard asked for usage, and took the usage chunk back out.
    const withoutSplitter = openAIChatEvents(["Only ", "main."]).filter((e) =>
      !e.includes('"choices":[]')
    );
    assertEquals(await res.text(), withoutSplitter.join(""));
    const json = await fetch(`${proxy.v1}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-main", messages: ask }),
    });
    assertEquals(await json.text(), openAIChatJSON("Only main."));
  }
});

Deno.test("splitter: models outside splitter.models and the opt-out header get no companion", async () => {
  await using up = upstream({ main: { pieces: ["plain"] }, fixer: { pieces: ["x"] } });
  await using proxy = startProxy(config(up.url));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const other = await ai.chat.completions.create({ model: "other", messages: ask });
  assertEquals(other.choices[0].message.content, "plain");
  const off = await ai.chat.completions.create({ model: "gpt-main", messages: ask }, {
    headers: { "x-switchyard-splitter": "off" },
  });
  assertEquals(off.choices[0].message.content, "plain");
  assertEquals(up.received.filter((r) => r.json.model === "fixer").length, 0);
  assert(!up.received.some((r) => r.headers.has("x-switchyard-splitter")));
});

Deno.test("splitter: when the main request fails the client gets that failure and the companion is cancelled", async () => {
  let companionSignal: AbortSignal | undefined;
  const arrived = gate();
  await using up = fakeUpstream((r) => {
    if (r.json.model === "main") return jsonResponse('{"error":{"message":"bad request"}}', 400);
    companionSignal = r.signal;
    arrived.open();
    return new Promise<Response>(() => {});
  });
  await using proxy = startProxy(config(up.url));
  const res = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-main", messages: ask }),
  });
  assertEquals(res.status, 400);
  assertEquals(await res.text(), '{"error":{"message":"bad request"}}');
  await arrived.promise;
  await new Promise<void>((resolve) =>
    companionSignal!.aborted
      ? resolve()
      : companionSignal!.addEventListener("abort", () => resolve())
  );
});

Deno.test("splitter: check rejects a companion model that no entry serves", async () => {
  const { parseConfigText, ConfigError } = await import("../lib/config/load.ts");
  try {
    parseConfigText(
      "providers: { e: { type: echo } }\nmodels: { echo: [e/echo] }\nsplitter: { model: nowhere }\n",
      "c.yaml",
      {},
    );
    throw new Error("expected a ConfigError");
  } catch (err) {
    assert(err instanceof ConfigError);
    assertEquals(err.problems, ["splitter.model: 'nowhere' matches no entry in models (c.yaml:3)"]);
  }
});

Deno.test("splitter in the embedded default: GRAMMAR_MODEL enables it for every model", async () => {
  const { loadConfig } = await import("../lib/config/load.ts");
  const { createRuntime } = await import("../lib/runtime.ts");
  const { start } = await import("../lib/server/serve.ts");
  const { config } = loadConfig(null, {
    GRAMMAR_MODEL: "echo",
    GRAMMAR_TEMPERATURE: "0.3",
    PORT: "0",
  });
  config.log.level = "error";
  assertEquals(config.splitter?.temperature, 0.3);
  await using proxy = start(createRuntime(config));
  const ai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "k" });
  const r = await ai.chat.completions.create({
    model: "echo",
    messages: [{ role: "user", content: "me want cookie" }],
  });
  assertEquals(
    r.choices[0].message.content,
    `me want cookie${SEP}Correct the grammar in this text: me want cookie`,
  );
});
