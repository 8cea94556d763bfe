/**
 * `type: vertex` (SPEC §16) against mocks of Google's token endpoint — which
 * verifies the service account's signed JWT with its public key — and of
 * Vertex AI's publisher routes: Gemini models through generateContent,
 * Anthropic's through rawPredict with `anthropic_version` and no `model`.
 * The token is fetched once and reused, fetched again near its expiry, and a
 * refused one is a failed attempt that names no secret.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { jwtVerify } from "jose";
import { assert, assertEquals } from "../support/assert.ts";
import { tempDir } from "../support/cli.ts";
import { startProxy } from "../support/proxy.ts";
import { fakeUpstream } from "../support/upstream.ts";
import { anthropicEvents, anthropicJSON, jsonResponse, sseResponse } from "../support/wire.ts";

type Json = Record<string, unknown>;
const EMAIL = "switchyard@test-project.iam.gserviceaccount.com";

async function serviceAccount() {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const b64 = btoa(String.fromCharCode(...pkcs8)).match(/.{1,64}/g)!.join("\n");
  return {
    pem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`,
    publicKey: pair.publicKey,
  };
}

/** Google's token endpoint and Vertex's publisher routes, in one server. */
async function google(expiresIn = 3600) {
  const { pem, publicKey } = await serviceAccount();
  const issued: string[] = [];
  const up = fakeUpstream(async (r) => {
    if (r.path === "/token") {
      const form = new URLSearchParams(r.text);
      try {
        const { payload } = await jwtVerify(form.get("assertion")!, publicKey, {
          issuer: EMAIL,
          audience: tokenUri,
        });
        assertEquals(payload.scope, "https://www.googleapis.com/auth/cloud-platform");
        assertEquals(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
      } catch (err) {
        return jsonResponse(
          JSON.stringify({ error: "invalid_grant", error_description: String(err) }),
          400,
        );
      }
      const token = `ya29.token-${issued.length + 1}`;
      issued.push(token);
      return jsonResponse(
        JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: "Bearer" }),
      );
    }
    if (r.headers.get("authorization") !== `Bearer ${issued.at(-1)}`) {
      return jsonResponse(
        JSON.stringify({ error: { code: 401, status: "UNAUTHENTICATED", message: "no" } }),
        401,
      );
    }
    const m =
      /^\/v1\/projects\/proj-1\/locations\/us-east5\/publishers\/(google|anthropic)\/models\/([^:]+):(\w+)/
        .exec(r.path);
    if (!m) return jsonResponse(JSON.stringify({ error: { code: 404, message: r.path } }), 404);
    const [, publisher, model, method] = m;
    if (publisher === "google") {
      return jsonResponse(JSON.stringify({
        candidates: [{
          content: { role: "model", parts: [{ text: `gemini ${model}` }] },
          finishReason: "STOP",
        }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
        modelVersion: model,
      }));
    }
    if (r.json.model !== undefined || r.json.anthropic_version !== "vertex-2023-10-16") {
      return jsonResponse(JSON.stringify({ error: { code: 400, message: "bad body" } }), 400);
    }
    const text = `claude ${decodeURIComponent(model)}`;
    return method === "streamRawPredict"
      ? sseResponse(anthropicEvents([text]).join(""))
      : jsonResponse(anthropicJSON(text));
  });
  const tokenUri = `${up.url}/token`;
  const dir = await tempDir({
    "sa.json": JSON.stringify({
      type: "service_account",
      client_email: EMAIL,
      private_key: pem,
      token_uri: tokenUri,
    }),
  });
  return Object.assign(up, { issued, file: `${dir}/sa.json`, pem });
}

function config(up: { url: string; file: string }) {
  const common = {
    type: "vertex",
    base_url: up.url,
    project: "proj-1",
    location: "us-east5",
    credentials_file: up.file,
  };
  return {
    providers: { vg: common, va: { ...common, publisher: "anthropic" } },
    models: { gem: ["vg/gemini-2.5-pro"], claude: ["va/claude-sonnet-4@20250514"] },
  };
}

Deno.test("vertex: a signed JWT exchanged once for a token reused; Gemini models through generateContent, Anthropic's through rawPredict", async () => {
  await using up = await google();
  await using proxy = startProxy(config(up));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k" });
  for (let i = 0; i < 3; i++) {
    const a = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "hi" }],
    });
    assertEquals(a.choices[0].message.content, "gemini gemini-2.5-pro");
  }
  const claude = new Anthropic({ baseURL: proxy.url, apiKey: "k" });
  const m = await claude.messages.create({
    model: "claude",
    max_tokens: 10,
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals((m.content[0] as { text: string }).text, "claude claude-sonnet-4@20250514");
  const streamed = await claude.messages.stream({
    model: "claude",
    max_tokens: 10,
    messages: [{ role: "user", content: "hi" }],
  }).finalMessage();
  assertEquals((streamed.content[0] as { text: string }).text, "claude claude-sonnet-4@20250514");
  assertEquals(up.issued.length, 1, "one token for every request");
  assertEquals(
    up.received.filter((r) => r.path !== "/token").map((r) => r.path.replace(/^.*\/models\//, "")),
    [
      "gemini-2.5-pro:generateContent",
      "gemini-2.5-pro:generateContent",
      "gemini-2.5-pro:generateContent",
      "claude-sonnet-4%4020250514:rawPredict",
      "claude-sonnet-4%4020250514:streamRawPredict",
    ],
  );
});

Deno.test("vertex: a token near its expiry is replaced before use; a refused exchange is a failed attempt naming no secret", async () => {
  await using up = await google(60);
  await using proxy = startProxy(config(up));
  const client = new OpenAI({ baseURL: proxy.v1, apiKey: "k", maxRetries: 0 });
  for (let i = 0; i < 2; i++) {
    await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "hi" }],
    });
  }
  assertEquals(up.issued.length, 2, "a 60 s token is inside the 5 min margin: fetched again");

  // A key the endpoint does not know: the exchange is refused.
  const other = await serviceAccount();
  const sa = JSON.parse(await Deno.readTextFile(up.file));
  await Deno.writeTextFile(up.file, JSON.stringify({ ...sa, private_key: other.pem }));
  await using refused = startProxy(config(up));
  const r = await fetch(`${refused.v1}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gem", messages: [{ role: "user", content: "hi" }] }),
  });
  const text = await r.text();
  assertEquals(r.status, 502);
  assert(text.includes("cannot get a Google access token"), text);
  assert(!text.includes("PRIVATE KEY") && !text.includes("ya29."), "no secret in the error");
});

Deno.test("vertex: check names a missing project, location or key file", () => {
  for (
    const [drop, said] of [["project", "needs project"], ["location", "needs location"], [
      "credentials_file",
      "needs credentials_file",
    ]]
  ) {
    const provider: Json = {
      type: "vertex",
      project: "p",
      location: "l",
      credentials_file: "/nowhere.json",
    };
    delete provider[drop];
    let message = "";
    try {
      startProxy({ providers: { v: provider }, models: { m: ["v/x"] } });
    } catch (err) {
      message = String(err);
    }
    assert(message.includes(said), message);
  }
});
