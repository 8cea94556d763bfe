/**
 * `type: bedrock` (SPEC §16) against a mock of Bedrock's Converse API that
 * checks every request's SigV4 signature with an independent signer
 * (aws4fetch) — session token and a `:` in the model id included — and
 * streams a real binary event stream (`@smithy/eventstream-codec`): text,
 * a tool call, usage with cache tokens, and an exception mid-stream.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { AwsV4Signer } from "aws4fetch";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { assert, assertEquals } from "../support/assert.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream, type Received } from "../support/upstream.ts";
import { jsonResponse } from "../support/wire.ts";

type Json = Record<string, unknown>;
const CREDS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "FwoGZXIvYXdzEXAMPLEsessiontoken",
};
const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function event(type: string, body: Json, kind = "event"): Uint8Array {
  const headers: Record<string, { type: "string"; value: string }> = {
    ":message-type": { type: "string", value: kind },
    ":content-type": { type: "string", value: "application/json" },
  };
  headers[kind === "event" ? ":event-type" : ":exception-type"] = { type: "string", value: type };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(body)) });
}

/** The request's signature, recomputed by aws4fetch from what arrived. */
async function signatureOk(r: Received, host: string): Promise<boolean> {
  const auth = r.headers.get("authorization") ?? "";
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1].split(";") ?? [];
  const headers: Record<string, string> = {};
  for (const h of signedHeaders) if (h !== "host") headers[h] = r.headers.get(h) ?? "";
  const signer = new AwsV4Signer({
    url: `http://${host}${r.path}`,
    method: "POST",
    headers,
    body: r.text,
    ...CREDS,
    service: "bedrock",
    region: "us-west-2",
    datetime: r.headers.get("x-amz-date")!,
  });
  const expected = (await signer.sign()).headers.get("authorization");
  return expected === auth && signedHeaders.includes("x-amz-security-token");
}

function bedrock() {
  let host = "";
  const up = fakeUpstream(async (r) => {
    if (!await signatureOk(r, host)) {
      return jsonResponse(
        JSON.stringify({ message: "The request signature we calculated does not match" }),
        403,
        { "x-amzn-errortype": "InvalidSignatureException" },
      );
    }
    const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(r.path);
    if (!m || decodeURIComponent(m[1]) !== MODEL) {
      return jsonResponse(JSON.stringify({ message: `no model ${r.path}` }), 404);
    }
    const wantsTool = !!r.json.toolConfig &&
      !(r.json.messages as Json[]).some((x) => (x.content as Json[]).some((b) => b.toolResult));
    const usage = {
      inputTokens: 12,
      outputTokens: 8,
      totalTokens: 60,
      cacheReadInputTokens: 30,
      cacheWriteInputTokens: 10,
    };
    if (m[2] === "converse") {
      const content = wantsTool
        ? [{ toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } }]
        : [{ text: "Hello from Bedrock" }];
      return jsonResponse(JSON.stringify({
        output: { message: { role: "assistant", content } },
        stopReason: wantsTool ? "tool_use" : "end_turn",
        usage,
        metrics: { latencyMs: 100 },
      }));
    }
    const failing = JSON.stringify(r.json.messages).includes("fail midway");
    const cut = JSON.stringify(r.json.messages).includes("cut short");
    const parts = [
      event("messageStart", { role: "assistant" }),
      event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello " } }),
      ...(cut
        ? []
        : failing
        ? [event("throttlingException", { message: "Too many requests" }, "exception")]
        : [
          event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "from Bedrock" } }),
          event("contentBlockStop", { contentBlockIndex: 0 }),
          event("messageStop", { stopReason: "end_turn" }),
          event("metadata", { usage, metrics: { latencyMs: 100 } }),
        ]),
    ];
    // Split across chunks at odd places, as a network would.
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) all.set(p, at), at += p.length;
    const chunks = [all.slice(0, 7), all.slice(7, 150), all.slice(150)];
    return new Response(
      new ReadableStream({
        pull(c) {
          const next = chunks.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      }),
      {
        headers: { "content-type": "application/vnd.amazon.eventstream" },
      },
    );
  });
  host = new URL(up.url).host;
  return up;
}

function config(url: string) {
  return {
    providers: {
      br: {
        type: "bedrock",
        base_url: url,
        region: "us-west-2",
        access_key_id: CREDS.accessKeyId,
        secret_access_key: CREDS.secretAccessKey,
        session_token: CREDS.sessionToken,
        retry: { attempts: 1 },
      },
    },
    models: { claude: [`br/${MODEL}`] },
  };
}

Deno.test("bedrock: every request SigV4-signed (checked by aws4fetch), the ':' in the model id encoded; Converse answers with usage, a tool call", async () => {
  await using up = bedrock();
  await using proxy = startProxy(config(up.url));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  const a = await client.chat.completions.create({
    model: "claude",
    max_tokens: 50,
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
  });
  assertEquals(a.choices[0].message.content, "Hello from Bedrock");
  // Cache reads and writes are part of the prompt, as OpenAI counts it.
  assertEquals([a.usage?.prompt_tokens, a.usage?.completion_tokens], [52, 8]);
  assertEquals(up.last().path, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  assertEquals(up.last().json, {
    messages: [{ role: "user", content: [{ text: "hi" }] }],
    system: [{ text: "Be brief." }],
    inferenceConfig: { maxTokens: 50 },
  });
  const tools = [{
    type: "function" as const,
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  }];
  const call = await client.chat.completions.create({
    model: "claude",
    tools,
    messages: [{ role: "user", content: "Weather?" }],
  });
  assertEquals(call.choices[0].finish_reason, "tool_calls");
  const tc = call.choices[0].message.tool_calls![0] as {
    id: string;
    function: { arguments: string };
  };
  assertEquals([tc.id, JSON.parse(tc.function.arguments)], ["tooluse_1", { city: "Paris" }]);
  const done = await client.chat.completions.create({
    model: "claude",
    tools,
    messages: [{ role: "user", content: "Weather?" }, call.choices[0].message, {
      role: "tool",
      tool_call_id: tc.id,
      content: "sunny",
    }],
  });
  assertEquals(done.choices[0].message.content, "Hello from Bedrock");
  assertEquals((up.last().json.messages as Json[])[2], {
    role: "user",
    content: [{ toolResult: { toolUseId: "tooluse_1", content: [{ text: "sunny" }] } }],
  });
});

Deno.test("bedrock: ConverseStream's binary event stream, decoded for Anthropic and OpenAI clients; an exception mid-stream ends it with an error event", async () => {
  await using up = bedrock();
  await using proxy = startProxy(config(up.url));
  const message = await new Anthropic({ baseURL: proxy.url, apiKey: "k" }).messages.stream({
    model: "claude",
    max_tokens: 50,
    messages: [{ role: "user", content: "hi" }],
  }).finalMessage();
  assertEquals((message.content[0] as { text: string }).text, "Hello from Bedrock");
  assertEquals(message.usage.output_tokens, 8);
  assertEquals(
    up.last().path,
    "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
  );

  const r = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "claude",
      stream: true,
      messages: [{ role: "user", content: "fail midway" }],
    }),
  });
  const text = await r.text();
  assertEquals(r.status, 200);
  assert(text.includes('"content":"Hello "'), text);
  assert(/data: \{"error":\{[^\n]*throttlingException: Too many requests/.test(text), text);
  assert(!text.includes(CREDS.secretAccessKey) && !text.includes(CREDS.sessionToken), "no secret");
  // A stream that closes before its messageStop was cut short: an error event, not a finish.
  const short = await fetch(`${proxy.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "claude",
      stream: true,
      messages: [{ role: "user", content: "cut short" }],
    }),
  }).then((r) => r.text());
  assert(/data: \{"error":\{[^\n]*messageStop/.test(short), short);
  assert(!short.includes('"finish_reason":"stop"'), short);
});

Deno.test("bedrock: check wants a region and credentials", () => {
  let message = "";
  try {
    startProxy({
      providers: { b: { type: "bedrock", region: "us-east-1" } },
      models: { m: ["b/x"] },
    });
  } catch (err) {
    message = String(err);
  }
  // (This machine's environment holds no AWS_* credentials: CI's neither.)
  assert(message.includes("type bedrock needs access_key_id and secret_access_key"), message);
});
