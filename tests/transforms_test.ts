import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { ConfigError, parseConfigText } from "../lib/config/load.ts";
import { literalPrefix, rewriterFor } from "../lib/transforms/response_regex.ts";
import { startProxy } from "./support/proxy.ts";
import { chatBothWays } from "./support/clients.ts";
import { chunkedBody, fakeUpstream, gate } from "./support/upstream.ts";
import {
  anthropicEvents,
  anthropicJSON,
  jsonResponse,
  openAIChatEvents,
  openAIChatJSON,
  sseResponse,
} from "./support/wire.ts";

/** One upstream for both formats, answering `text` (streamed in `pieces` when asked). */
function upstream(pieces: string[] = ["ok"]) {
  return fakeUpstream((r) => {
    const anthropic = r.path.startsWith("/v1/messages");
    if (r.json.stream) {
      return sseResponse(
        chunkedBody(anthropic ? anthropicEvents(pieces) : openAIChatEvents(pieces, null)),
      );
    }
    return jsonResponse(
      anthropic ? anthropicJSON(pieces.join("")) : openAIChatJSON(pieces.join("")),
    );
  });
}

function twoProviders(
  url: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, unknown> = {},
) {
  return {
    providers: {
      oa: { type: "openai", base_url: url, api_key: "sk-provider-openai-key", headers },
      an: { type: "anthropic", base_url: url, api_key: "sk-provider-anthropic-key", headers },
    },
    models: { "gpt-*": ["oa/*"], "claude-*": ["an/*"], "other": ["oa/other"] },
    ...extra,
  };
}

Deno.test("header rules: drop, add (client wins), force (rule wins), names in any case, ${VAR} values, on both endpoints", async () => {
  await using up = upstream();
  await using proxy = startProxy(twoProviders(up.url, {}, {
    drop: ["X-Debug"],
    add: { "X-Title": "${APP_TITLE:-my-app}", "X-Team": "core" },
    force: { "User-Agent": "switchyard", "x-forced": "yes" },
  }));
  for (const [path, model] of [["/v1/chat/completions", "gpt-4o"], ["/v1/messages", "claude-x"]]) {
    await fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-debug": "1",
        "x-team": "client-team",
        "user-agent": "client/1.0",
        authorization: "Bearer client-secret",
        connection: "keep-alive",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    }).then((r) => r.body?.cancel());
    const h = up.last().headers;
    assertEquals(h.get("x-debug"), null, path);
    assertEquals(h.get("x-title"), "my-app");
    assertEquals(h.get("x-team"), "client-team");
    assertEquals(h.get("user-agent"), "switchyard");
    assertEquals(h.get("x-forced"), "yes");
    assert(![...h.values()].includes("Bearer client-secret"));
  }
  assertEquals(up.received[0].headers.get("authorization"), "Bearer sk-provider-openai-key");
  assertEquals(up.received[1].headers.get("x-api-key"), "sk-provider-anthropic-key");
});

Deno.test("header rules: allow drops every other client header, the provider's own headers still go", async () => {
  await using up = upstream();
  await using proxy = startProxy(twoProviders(up.url, {}, { allow: ["Anthropic-Beta", "x-keep"] }));
  await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-beta": "b1",
      "x-keep": "1",
      "x-other": "2",
      "anthropic-version": "2023-01-01",
    },
    body: JSON.stringify({ model: "claude-x", max_tokens: 5, messages: [] }),
  }).then((r) => r.body?.cancel());
  const h = up.last().headers;
  assertEquals([h.get("anthropic-beta"), h.get("x-keep"), h.get("x-other")], ["b1", "1", null]);
  assertEquals(h.get("x-api-key"), "sk-provider-anthropic-key");
  assertEquals(
    h.get("anthropic-version"),
    "2023-06-01",
    "the provider's required header, not the dropped client one",
  );
});

Deno.test("regex transforms: by role, on string content and text parts/blocks, never images; $1 groups; both formats", async () => {
  await using up = upstream();
  await using proxy = startProxy(twoProviders(up.url, {
    transforms: [{
      regex: [{
        pattern: "\\bACME (\\w+)\\b",
        replace: "the company's $1",
        flags: "g",
        roles: ["user", "system"],
      }],
    }],
  }));
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  await ai.chat.completions.create({
    model: "gpt-4o",
    messages: [
      { role: "system", content: "About ACME corp." },
      {
        role: "user",
        content: [{ type: "text", text: "Is ACME big?" }, {
          type: "image_url",
          image_url: { url: "data:image/png;base64,ACME x" },
        }],
      },
      { role: "assistant", content: "ACME stays." },
    ],
  });
  assertEquals(up.last().json.messages, [
    { role: "system", content: "About the company's corp." },
    {
      role: "user",
      content: [{ type: "text", text: "Is the company's big?" }, {
        type: "image_url",
        image_url: { url: "data:image/png;base64,ACME x" },
      }],
    },
    { role: "assistant", content: "ACME stays." },
  ]);
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  await client.messages.create({
    model: "claude-x",
    max_tokens: 5,
    system: [{ type: "text", text: "ACME inc." }],
    messages: [{
      role: "user",
      content: [{ type: "text", text: "ACME ltd" }, {
        type: "tool_result",
        tool_use_id: "t",
        content: "ACME raw",
      }],
    }],
  });
  const sent = up.last().json;
  assertEquals(sent.system, [{ type: "text", text: "the company's inc." }]);
  assertEquals((sent.messages as { content: unknown[] }[])[0].content, [{
    type: "text",
    text: "the company's ltd",
  }, { type: "tool_result", tool_use_id: "t", content: "ACME raw" }]);
});

Deno.test("jsonpath transforms: drop with a filter, set creating objects; transforms apply in order; other models stay byte for byte", async () => {
  await using up = upstream();
  await using proxy = startProxy(twoProviders(up.url, {
    transforms: [
      {
        models: ["gpt-*", "claude-*"],
        jsonpath: {
          drop: ["$.messages[?(@.role=='system')]", "$.temperature"],
          set: { "$.metadata.source": "switchyard" },
        },
      },
      {
        models: ["gpt-*"],
        regex: [{ pattern: "first", replace: "second" }],
        jsonpath: { set: { "$.metadata.order": "after" } },
      },
    ],
  }));
  const body = {
    model: "gpt-4o",
    temperature: 1,
    messages: [{ role: "system", content: "s" }, { role: "user", content: "first" }, {
      role: "system",
      content: "t",
    }],
  };
  await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: JSON.stringify(body) }).then((
    r,
  ) => r.body?.cancel());
  assertEquals(up.last().json, {
    model: "gpt-4o",
    messages: [{ role: "user", content: "second" }],
    metadata: { source: "switchyard", order: "after" },
  });
  await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    body: JSON.stringify({ model: "claude-x", max_tokens: 3, temperature: 0.5, messages: [] }),
  }).then((r) => r.body?.cancel());
  assertEquals(up.last().json, {
    model: "claude-x",
    max_tokens: 3,
    messages: [],
    metadata: { source: "switchyard" },
  });
  const untouched =
    '{"model":"other", "temperature": 1,"messages":[{"role":"system","content":"first"}]}';
  await fetch(`${proxy.v1}/chat/completions`, { method: "POST", body: untouched }).then((r) =>
    r.body?.cancel()
  );
  assertEquals(up.last().text, untouched);
});

Deno.test("response_regex on JSON answers, both endpoints", async () => {
  await using up = upstream(["your key is secret-abc123, keep it"]);
  await using proxy = startProxy(
    twoProviders(up.url, {
      transforms: [{ response_regex: [{ pattern: "secret-\\w+", replace: "[redacted]" }] }],
    }),
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  assertEquals(
    (await ai.chat.completions.create({ model: "gpt-4o", messages: [] })).choices[0].message
      .content,
    "your key is [redacted], keep it",
  );
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.create({ model: "claude-x", max_tokens: 9, messages: [] });
  assertEquals(
    m.content[0].type === "text" && m.content[0].text,
    "your key is [redacted], keep it",
  );
});

Deno.test("response_regex on streams: a match split across SSE chunks is redacted, text before it flows at once", async () => {
  const rest = gate();
  for (const [path, model] of [["/v1/chat/completions", "gpt-4o"], ["/v1/messages", "claude-x"]]) {
    const pieces = ["Hello! The token is sec", "ret-ab", "c123 and more."];
    const anthropic = path === "/v1/messages";
    const events = anthropic ? anthropicEvents(pieces) : openAIChatEvents(pieces, null);
    const lead = anthropic ? 4 : 2; // up to and including the first piece
    await using up = fakeUpstream(() =>
      sseResponse(
        chunkedBody([...events.slice(0, lead), { gate: rest.promise }, ...events.slice(lead)]),
      )
    );
    await using proxy = startProxy(
      twoProviders(up.url, {
        transforms: [{ response_regex: [{ pattern: "secret-\\w+", replace: "[redacted]" }] }],
      }),
    );
    const res = await fetch(`${proxy.url}${path}`, {
      method: "POST",
      body: JSON.stringify({ model, stream: true, max_tokens: 9, messages: [] }),
    });
    const reader = res.body!.getReader();
    let seen = "";
    while (!seen.includes("The token is ")) {
      const r = await reader.read();
      assert(!r.done, seen);
      seen += new TextDecoder().decode(r.value);
    }
    assert(!seen.includes('sec"'), "the possible start of a match is held back");
    rest.open();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      seen += new TextDecoder().decode(r.value);
    }
    assert(!seen.includes("secret") && !seen.includes("ret-ab") && !seen.includes("c123"), seen);
    const text = anthropic
      ? [...seen.matchAll(/"text":"([^"]*)"/g)].map((m) => m[1]).join("")
      : [...seen.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join("");
    assertEquals(text, "Hello! The token is [redacted] and more.");
  }
});

Deno.test("response rewriting with the SDK helpers: chat stream and messages stream", async () => {
  await using up = upstream(["AC", "ME rules"]);
  await using proxy = startProxy(
    twoProviders(up.url, {
      transforms: [{
        models: ["gpt-*", "claude-*"],
        response_regex: [{ pattern: "\\bACME\\b", replace: "Us", flags: "g" }],
      }],
    }),
  );
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  assertEquals(
    await ai.chat.completions.stream({ model: "gpt-4o", messages: [] }).finalContent(),
    "Us rules",
  );
  const client = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await client.messages.stream({ model: "claude-x", max_tokens: 5, messages: [] })
    .finalMessage();
  assertEquals(m.content.map((b) => b.type === "text" ? b.text : "").join(""), "Us rules");
});

Deno.test("the streaming rewriter holds back only what could still become a match", () => {
  const rule = (pattern: string, flags = "g") => ({
    re: new RegExp(pattern, flags),
    replace: "#",
    prefix: literalPrefix(pattern),
    ignoreCase: flags.includes("i"),
  });
  const r = rewriterFor([rule("secret-\\w+")]);
  assertEquals(r.push("plain text "), "plain text ");
  assertEquals(r.push("and sec"), "and ", "'sec' could start 'secret-'");
  assertEquals(r.push("ond"), "second");
  assertEquals(r.push(" secret-ab"), " ", "a match running into the end may grow");
  assertEquals(r.push("c done"), "# done");
  assertEquals(r.flush(), "");
  const blind = rewriterFor([rule("\\d{3}-\\d{4}")]);
  assertEquals(
    blind.push("x".repeat(100)),
    "x".repeat(36),
    "no literal start: the last 64 characters wait",
  );
  assertEquals(blind.push("555-1234") + blind.flush(), "x".repeat(64) + "#");
  assertEquals([
    literalPrefix("\\bACME\\b"),
    literalPrefix("sk-[a-z]+"),
    literalPrefix("a|b"),
    literalPrefix("colou?r"),
    literalPrefix("x\\.y"),
  ], ["ACME", "sk-", "", "colo", "x.y"]);
});

Deno.test("an invalid regex or JSONPath is a config error with its path.to.key", () => {
  try {
    parseConfigText(
      [
        "providers: { e: { type: echo } }",
        "models: { echo: [e/echo] }",
        "transforms:",
        "  - regex: [{ pattern: '(unclosed' }]",
        "    jsonpath: { drop: ['no-dollar'], set: { '$.a[?(@.x ==)]': 1 } }",
        "    response_regex: [{ pattern: 'ok', flags: 'gq' }]",
      ].join("\n"),
      "bad.yaml",
      {},
    );
    throw new Error("expected a ConfigError");
  } catch (err) {
    assert(err instanceof ConfigError);
    const text = err.problems.join("\n");
    assertMatch(
      text,
      /transforms\.0\.regex\.0\.pattern: invalid regular expression: .+ \(bad\.yaml:4\)/,
    );
    assertMatch(text, /transforms\.0\.jsonpath\.drop\.0: a JSONPath starts with '\$'/);
    assertMatch(text, /transforms\.0\.jsonpath\.set\.\$\.a\[\?\(@\.x ==\)\]: invalid JSONPath/);
    assertMatch(text, /transforms\.0\.response_regex\.0\.pattern: invalid regular expression/);
  }
});

Deno.test("response_regex covers the splitter's companion text too", async () => {
  await using up = fakeUpstream((r) => {
    const text = r.json.model === "fixer" ? "fixed secret-zz9" : "main secret-aa1";
    return r.json.stream
      ? sseResponse(chunkedBody(openAIChatEvents(text.split(" "), null)))
      : jsonResponse(openAIChatJSON(text));
  });
  await using proxy = startProxy({
    providers: { oa: { type: "openai", base_url: up.url } },
    models: { main: ["oa/main"], fixer: ["oa/fixer"] },
    splitter: { models: ["main"], model: "fixer", separator: " | " },
    transforms: [{ response_regex: [{ pattern: "secret-\\w+", replace: "[x]" }] }],
  });
  const ai = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  assertEquals(await chatBothWays(ai, "main"), ["main [x] | fixed [x]", "main[x] | fixed[x]"]);
});
