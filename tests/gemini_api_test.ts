/**
 * The Gemini API for clients (SPEC §16): the `@google/genai` SDK and Gemini
 * CLI against switchyard — translated to OpenAI and Anthropic upstreams
 * (text, streams as SSE or one JSON array, tools, images, thinking, usage,
 * errors in Google's format, retries), passed through byte for byte to a
 * `gemini` provider, the proxy key taken from `x-goog-api-key` or `?key=`
 * and never sent upstream.
 */
import { ApiError, GoogleGenAI, Type } from "@google/genai";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { startProxy } from "./support/proxy.ts";
import { fakeUpstream, type Received } from "./support/upstream.ts";
import {
  anthropicMessage,
  anthropicStream,
  jsonResponse,
  openAIChatJSON,
  openAIChatMessage,
  openAIStream,
  sseResponse,
} from "./support/wire.ts";
import { geminiCli, sandbox } from "./support/agents.ts";

type Json = Record<string, unknown>;

const PROXY_KEY = "sk-proxy-gemini-client-0123456789";
const GEMINI_KEY = "AIzaSyD-upstream-key-0123456789abcdefghij";

/** An OpenAI-format upstream: text, or a tool call when tools are offered and none answered. */
function openAIUpstream(script?: (r: Received) => Response | undefined) {
  return fakeUpstream((r) => {
    const scripted = script?.(r);
    if (scripted) return scripted;
    const messages = r.json.messages as Json[];
    const answered = messages.some((m) => m.role === "tool");
    if (r.json.tools && !answered) {
      const tool = { id: "call_weather_1", name: "get_weather", args: ['{"city":', '"Paris"}'] };
      return r.json.stream
        ? sseResponse(openAIStream([{ tool }]).join(""))
        : jsonResponse(openAIChatMessage([{ tool }]));
    }
    const text = answered ? "Sunny in Paris." : "Hello there";
    return r.json.stream
      ? sseResponse(
        openAIStream([{ thinking: ["Let me ", "think."] }, { text: ["Hello ", "there"] }])
          .join(""),
      )
      : jsonResponse(openAIChatJSON(text));
  });
}

function viaOpenAI(url: string, extra: Json = {}) {
  return {
    server: { api_keys: [PROXY_KEY] },
    providers: { o: { type: "openai", base_url: `${url}/v1`, api_key: "sk-upstream-openai" } },
    models: { "gpt-x": ["o/gpt-4o"] },
    ...extra,
  };
}

const sdk = (url: string, key = PROXY_KEY) =>
  new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: url } });

Deno.test("Gemini API translated: @google/genai gets text and usage; its request reaches an OpenAI upstream as chat", async () => {
  await using up = openAIUpstream();
  await using proxy = startProxy(viaOpenAI(up.url));
  const pixel =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const answer = await sdk(proxy.url).models.generateContent({
    model: "gpt-x",
    contents: [{
      role: "user",
      parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: pixel } }],
    }],
    config: {
      systemInstruction: "Be brief.",
      temperature: 0.2,
      maxOutputTokens: 300,
      stopSequences: ["END"],
    },
  });
  assertEquals(answer.text, "Hello there");
  assertEquals(answer.candidates?.[0].finishReason, "STOP");
  assertEquals(answer.usageMetadata?.promptTokenCount, 9);
  assertEquals(answer.usageMetadata?.candidatesTokenCount, 12);
  assertEquals(up.last().path, "/v1/chat/completions");
  assertEquals(up.last().json, {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
        ],
      },
    ],
    max_tokens: 300,
    temperature: 0.2,
    stop: ["END"],
  });
  assertEquals(up.last().headers.get("authorization"), "Bearer sk-upstream-openai");
  const record = proxy.records.at(-1)!;
  assertEquals([record.route, record.model, record.status], [
    "/v1beta/models/gpt-x:generateContent",
    "gpt-x",
    200,
  ]);
  assertEquals(record.usage?.total_tokens, 21);
});

Deno.test("Gemini API translated: streams with alt=sse through OpenAI and Anthropic upstreams, thoughts only when asked", async () => {
  await using openai = openAIUpstream();
  await using anthropic = fakeUpstream(() =>
    sseResponse(
      anthropicStream([{ thinking: ["Hmm."], signature: "sig-1" }, { text: ["Bonjour ", "!"] }])
        .join(""),
    )
  );
  await using proxy = startProxy({
    ...viaOpenAI(openai.url),
    providers: {
      o: { type: "openai", base_url: `${openai.url}/v1`, api_key: "sk-upstream-openai" },
      a: { type: "anthropic", base_url: anthropic.url, api_key: "sk-ant-upstream" },
    },
    models: { "gpt-x": ["o/gpt-4o"], claude: ["a/claude-sonnet-4-5"] },
  });
  const ai = sdk(proxy.url);
  for (
    const [model, text, thought] of [["gpt-x", "Hello there", "Let me think."], [
      "claude",
      "Bonjour !",
      "Hmm.",
    ]]
  ) {
    let said = "";
    let thoughts = "";
    let usage: Json | undefined;
    const stream = await ai.models.generateContentStream({
      model,
      contents: "hi",
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } },
    });
    for await (const chunk of stream) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (part.thought) thoughts += part.text ?? "";
        else said += part.text ?? "";
      }
      if (chunk.usageMetadata) usage = chunk.usageMetadata as Json;
    }
    assertEquals([said, thoughts], [text, thought]);
    assert(usage?.promptTokenCount, `usage for ${model}`);
  }
  assertEquals(openai.last().json.reasoning_effort, "medium");
  assertEquals(openai.last().json.stream_options, { include_usage: true });
  assertEquals(anthropic.last().path, "/v1/messages");
  assertEquals(anthropic.last().json.stream, true);

  // Without includeThoughts the answer has no thought parts.
  let parts = 0;
  for await (
    const chunk of await ai.models.generateContentStream({ model: "gpt-x", contents: "hi" })
  ) {
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
      assert(!part.thought, "no thought part unasked");
      parts++;
    }
  }
  assertEquals(parts, 2);
});

Deno.test("Gemini API: without alt=sse a stream is one JSON array, translated or passed through", async () => {
  await using openai = openAIUpstream();
  await using gemini = geminiUpstream();
  await using proxy = startProxy({
    ...viaOpenAI(openai.url),
    providers: {
      o: { type: "openai", base_url: `${openai.url}/v1`, api_key: "sk-upstream-openai" },
      g: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: GEMINI_KEY },
    },
    models: { "gpt-x": ["o/gpt-4o"], flash: ["g/gemini-2.5-flash"] },
  });
  for (const model of ["gpt-x", "flash"]) {
    const res = await fetch(`${proxy.url}/v1beta/models/${model}:streamGenerateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    assertEquals(res.headers.get("content-type"), "application/json; charset=utf-8");
    const chunks = JSON.parse(await res.text()) as Json[];
    const text = chunks.flatMap((c) => (c.candidates as Json[])[0].content as Json ?? [])
      .flatMap((c) => (c as Json).parts as Json[]).map((p) => p.text ?? "").join("");
    assert(text.length > 0, `text from ${model}`);
    assertEquals((chunks.at(-1)!.candidates as Json[])[0].finishReason, "STOP");
  }
  assertEquals(gemini.last().path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
});

Deno.test("Gemini API translated: a tool round trip — functionCall with its id, the id-less functionResponse paired back by name", async () => {
  await using up = openAIUpstream();
  await using proxy = startProxy(viaOpenAI(up.url));
  const ai = sdk(proxy.url);
  const tools = [{
    functionDeclarations: [{
      name: "get_weather",
      description: "The weather in a city",
      parameters: {
        type: Type.OBJECT,
        properties: { city: { type: Type.STRING, nullable: true } },
        required: ["city"],
      },
    }],
  }];
  const ask = { role: "user", parts: [{ text: "Weather in Paris?" }] };
  for (const stream of [false, true]) {
    const config = { tools, toolConfig: { functionCallingConfig: { mode: "ANY" as never } } };
    let calls;
    if (stream) {
      calls = [];
      for await (
        const chunk of await ai.models.generateContentStream({
          model: "gpt-x",
          contents: [ask],
          config,
        })
      ) calls.push(...chunk.functionCalls ?? []);
    } else {
      calls = (await ai.models.generateContent({ model: "gpt-x", contents: [ask], config }))
        .functionCalls;
    }
    assertEquals(calls?.map((c) => [c.name, c.args, c.id]), [[
      "get_weather",
      { city: "Paris" },
      "call_weather_1",
    ]]);
    assertEquals(up.last().json.tools, [{
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city",
        parameters: {
          type: "object",
          properties: { city: { type: ["string", "null"] } },
          required: ["city"],
        },
      },
    }]);
    assertEquals(up.last().json.tool_choice, "required");
  }
  // Gemini CLI sends the call's id back; a client that does not is paired by name and order.
  const answer = await ai.models.generateContent({
    model: "gpt-x",
    contents: [
      ask,
      {
        role: "model",
        parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { output: "sunny" } } }],
      },
    ],
    config: { tools },
  });
  assertEquals(answer.text, "Sunny in Paris.");
  const [, assistant, tool] = up.last().json.messages as Json[];
  const id = (assistant.tool_calls as Json[])[0].id;
  assertEquals(tool, { role: "tool", tool_call_id: id, content: "sunny" });
});

Deno.test("Gemini API translated: an Anthropic upstream's tool call and thinking as Gemini's parts, usage exact", async () => {
  await using up = fakeUpstream(() =>
    jsonResponse(anthropicMessage([
      { thinking: ["Check the weather."], signature: "sig-anthropic" },
      { tool: { id: "toolu_01", name: "get_weather", args: ['{"city":"Paris"}'] } },
    ], { input: 30, output: 10, cacheRead: 5 }))
  );
  await using proxy = startProxy({
    server: { api_keys: [PROXY_KEY] },
    providers: { a: { type: "anthropic", base_url: up.url, api_key: "sk-ant-upstream" } },
    models: { claude: ["a/claude-sonnet-4-5"] },
  });
  const answer = await sdk(proxy.url).models.generateContent({
    model: "claude",
    contents: "Weather in Paris?",
    config: {
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
      tools: [{
        functionDeclarations: [{ name: "get_weather", parametersJsonSchema: { type: "object" } }],
      }],
    },
  });
  const parts = answer.candidates![0].content!.parts!;
  assertEquals(parts[0], {
    text: "Check the weather.",
    thought: true,
    thoughtSignature: "sig-anthropic",
  });
  assertEquals(parts[1].functionCall, {
    id: "toolu_01",
    name: "get_weather",
    args: { city: "Paris" },
  });
  assertEquals(answer.candidates![0].finishReason, "STOP");
  assertEquals(answer.usageMetadata?.promptTokenCount, 35);
  assertEquals(up.last().json.max_tokens !== undefined, true);
  assertEquals((up.last().json.tools as Json[])[0].name, "get_weather");
});

/** A Gemini upstream answering with fixed bytes, as Google's servers write them. */
const GEMINI_JSON = `{
  "candidates": [
    {
      "content": {
        "parts": [
          {
            "text": "Bonjour"
          }
        ],
        "role": "model"
      },
      "finishReason": "STOP",
      "index": 0
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 4,
    "candidatesTokenCount": 2,
    "totalTokenCount": 9,
    "thoughtsTokenCount": 3
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "gem-resp-1"
}
`;
const GEMINI_SSE = [
  `data: {"candidates": [{"content": {"parts": [{"text": "Bon"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 4,"totalTokenCount": 4},"modelVersion": "gemini-2.5-flash","responseId": "gem-resp-2"}\r\n\r\n`,
  `data: {"candidates": [{"content": {"parts": [{"text": "jour"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 4,"candidatesTokenCount": 2,"totalTokenCount": 9,"thoughtsTokenCount": 3},"modelVersion": "gemini-2.5-flash","responseId": "gem-resp-2"}\r\n\r\n`,
].join("");

function geminiUpstream() {
  return fakeUpstream((r) => {
    if (r.headers.get("x-goog-api-key") !== GEMINI_KEY) {
      return jsonResponse(
        JSON.stringify({ error: { code: 403, message: "bad key", status: "PERMISSION_DENIED" } }),
        403,
      );
    }
    if (r.path.includes(":countTokens")) return jsonResponse(`{\n  "totalTokens": 42\n}\n`);
    return r.path.includes(":streamGenerateContent")
      ? sseResponse(GEMINI_SSE)
      : jsonResponse(GEMINI_JSON);
  });
}

Deno.test("Gemini API to a gemini provider: bytes pass through untouched, the client's key never upstream, usage from usageMetadata", async () => {
  await using up = geminiUpstream();
  await using proxy = startProxy({
    server: { api_keys: [PROXY_KEY] },
    providers: { g: { type: "gemini", base_url: `${up.url}/v1beta`, api_key: GEMINI_KEY } },
    models: { flash: ["g/gemini-2.5-flash"] },
  });
  const body =
    `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],  "generationConfig":{"temperature":0}}`;
  // The SDK's way (x-goog-api-key), and the URL's (?key=).
  const whole = await fetch(`${proxy.url}/v1beta/models/flash:generateContent`, {
    method: "POST",
    headers: { "x-goog-api-key": PROXY_KEY, "content-type": "application/json" },
    body,
  });
  assertEquals(await whole.text(), GEMINI_JSON);
  assertEquals(up.last().text, body);
  assertEquals(up.last().path, "/v1beta/models/gemini-2.5-flash:generateContent");
  const streamed = await fetch(
    `${proxy.url}/v1beta/models/flash:streamGenerateContent?alt=sse&key=${PROXY_KEY}`,
    { method: "POST", headers: { "content-type": "application/json" }, body },
  );
  assertEquals(await streamed.text(), GEMINI_SSE);
  assertEquals(up.last().path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  for (const r of up.received) {
    assertEquals(r.headers.get("x-goog-api-key"), GEMINI_KEY);
    assert(!r.path.includes(PROXY_KEY) && !r.text.includes(PROXY_KEY), "the proxy key stays here");
  }
  for (const record of proxy.records) {
    assertEquals(record.usage, {
      prompt_tokens: 4,
      completion_tokens: 5,
      total_tokens: 9,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 3,
    });
  }
  // The SDK reads the same answer.
  const answer = await sdk(proxy.url).models.generateContent({ model: "flash", contents: "hi" });
  assertEquals(answer.text, "Bonjour");
});

Deno.test("Gemini API: countTokens uses a gemini provider's counter, else the local estimate — never a model call", async () => {
  await using gemini = geminiUpstream();
  await using openai = openAIUpstream();
  await using proxy = startProxy({
    server: { api_keys: [PROXY_KEY] },
    providers: {
      g: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: GEMINI_KEY },
      o: { type: "openai", base_url: `${openai.url}/v1`, api_key: "sk-upstream-openai" },
    },
    models: { flash: ["g/gemini-2.5-flash"], "gpt-x": ["o/gpt-4o"] },
  });
  const ai = sdk(proxy.url);
  assertEquals(
    (await ai.models.countTokens({ model: "flash", contents: "hello" })).totalTokens,
    42,
  );
  assertEquals(gemini.last().path, "/v1beta/models/gemini-2.5-flash:countTokens");
  const local = await ai.models.countTokens({ model: "gpt-x", contents: "x".repeat(400) });
  assertEquals(local.totalTokens, 100);
  assertEquals(openai.received.length, 0);
});

Deno.test("Gemini API: errors in Google's format — key, route, body, model, an upstream's refusal and a stream cut short", async () => {
  let calls = 0;
  await using up = openAIUpstream((r) => {
    const said = JSON.stringify(r.json.messages);
    if (said.includes("refuse")) {
      calls++;
      return jsonResponse(
        JSON.stringify({
          error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
        }),
        429,
        { "retry-after": "7" },
      );
    }
    if (said.includes("flaky") && calls++ === 0) {
      return jsonResponse(
        JSON.stringify({ error: { message: "overloaded", type: "server_error" } }),
        500,
      );
    }
    if (said.includes("cut")) {
      const events = openAIStream([{ text: ["half "] }], null);
      return sseResponse(events.slice(0, 2).join(""));
    }
  });
  await using proxy = startProxy(viaOpenAI(up.url, {
    providers: {
      o: {
        type: "openai",
        base_url: `${up.url}/v1`,
        api_key: "sk-upstream-openai",
        retry: { attempts: 2, backoff_ms: 1, on_status: [500] },
      },
    },
  }));
  const post = (path: string, body: string, key = PROXY_KEY) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { "x-goog-api-key": key, "content-type": "application/json" },
      body,
    });
  const expect = async (res: Response, code: number, status: string, says: RegExp) => {
    assertEquals(res.status, code);
    const json = await res.json();
    assertEquals([json.error.code, json.error.status], [code, status]);
    assertMatch(json.error.message, says);
  };
  const ok = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  await expect(
    await post("/v1beta/models/gpt-x:generateContent", ok, "wrong"),
    401,
    "UNAUTHENTICATED",
    /x-goog-api-key/,
  );
  await expect(
    await post("/v1beta/models/gpt-x:embedContent", ok),
    404,
    "NOT_FOUND",
    /unknown route/,
  );
  await expect(
    await post("/v1beta/models/gpt-x:generateContent", "{"),
    400,
    "INVALID_ARGUMENT",
    /malformed JSON/,
  );
  await expect(
    await post("/v1beta/models/gpt-x:generateContent", "{}"),
    400,
    "INVALID_ARGUMENT",
    /contents/,
  );
  await expect(
    await post("/v1beta/models/nope:generateContent", ok),
    404,
    "NOT_FOUND",
    /unknown model 'nope'/,
  );
  const bad = JSON.stringify({ contents: [{ role: "user", parts: [{ videoMetadata: {} }] }] });
  await expect(
    await post("/v1beta/models/gpt-x:generateContent", bad),
    400,
    "INVALID_ARGUMENT",
    /cannot be translated/,
  );
  assertEquals(up.received.length, 0);

  // The SDK raises an upstream's 429 as Google's RESOURCE_EXHAUSTED, with the backoff header kept.
  const ai = sdk(proxy.url);
  const refused = await post(
    "/v1beta/models/gpt-x:generateContent",
    JSON.stringify({ contents: [{ parts: [{ text: "refuse" }] }] }),
  );
  assertEquals(refused.headers.get("retry-after"), "7");
  await expect(refused, 429, "RESOURCE_EXHAUSTED", /HTTP 429/);
  try {
    await ai.models.generateContent({ model: "gpt-x", contents: "refuse" });
    throw new Error("no error raised");
  } catch (err) {
    assert(err instanceof ApiError && err.status === 429, String(err));
  }
  // A 500 is retried: the answer comes from the second try.
  calls = 0;
  assertEquals(
    (await ai.models.generateContent({ model: "gpt-x", contents: "flaky" })).text,
    "Hello there",
  );
  assertEquals(calls, 2);
  // A stream that breaks off after its first chunk ends with Google's error chunk: the SDK raises.
  const chunks: string[] = [];
  try {
    for await (
      const chunk of await ai.models.generateContentStream({ model: "gpt-x", contents: "cut" })
    ) {
      chunks.push(chunk.text ?? "");
    }
    throw new Error("no error raised");
  } catch (err) {
    assertMatch(String(err), /ended before|got status: INTERNAL|Incomplete JSON/);
  }
  assertEquals(chunks, ["half "]);
});

Deno.test("Gemini API: GET /v1beta/models lists models/NAME, one model by name, a virtual key sees its own", async () => {
  await using up = openAIUpstream();
  await using proxy = startProxy(viaOpenAI(up.url, {
    models: { "gpt-x": ["o/gpt-4o"], "gpt-y": ["o/gpt-4o-mini"] },
    keys: [{ name: "team", key: "sk-virtual-team-0123456789", models: ["gpt-y"] }],
  }));
  const names: string[] = [];
  for await (const m of await sdk(proxy.url).models.list()) names.push(m.name!);
  assertEquals(names, ["models/gpt-x", "models/gpt-y"]);
  const team: string[] = [];
  for await (const m of await sdk(proxy.url, "sk-virtual-team-0123456789").models.list()) {
    team.push(m.name!);
  }
  assertEquals(team, ["models/gpt-y"]);
  const one = await sdk(proxy.url).models.get({ model: "gpt-y" });
  assertEquals(one.name, "models/gpt-y");
  const missing = await fetch(`${proxy.url}/v1beta/models/none?key=${PROXY_KEY}`);
  assertEquals([missing.status, (await missing.json()).error.status], [404, "NOT_FOUND"]);
});

Deno.test("Gemini CLI answers a prompt from an OpenAI-format upstream: its router's JSON classification, then the streamed answer", async () => {
  await using up = openAIUpstream((r) => {
    // Its `auto` mode first asks a small model to score the prompt, as JSON.
    if ((r.json.response_format as Json | undefined)?.type === "json_schema") {
      return jsonResponse(openAIChatJSON('{"complexity_reasoning":"a fact","complexity_score":5}'));
    }
    return sseResponse(openAIStream([{ text: ["Paris is ", "the capital."] }]).join(""));
  });
  await using proxy = startProxy(viaOpenAI(up.url, { models: { "gemini-*": ["o/gpt-4o"] } }));
  await using box = await sandbox();
  const run = await geminiCli(box, proxy.url, PROXY_KEY, "What is the capital of France?");
  assertEquals(run.result.response, "Paris is the capital.", run.stderr.slice(-2000));
  assertEquals(up.received.length, 2);
  const [classify, main] = up.received;
  assertEquals((classify.json.response_format as Json).type, "json_schema");
  assertEquals(main.json.stream, true);
  assert((main.json.tools as Json[]).length > 0, "Gemini CLI's tools offered, translated");
  assert(JSON.stringify(main.json.messages).includes("What is the capital of France?"));
  for (const record of proxy.records) assertEquals(record.status, 200);
});
