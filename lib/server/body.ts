/**
 * Reading and parsing a request body once: size cap (chunked uploads too),
 * read timeout, JSON or `text/plain`, and the minimal validation SPEC §5 asks.
 */
import { ProxyError } from "../errors.ts";
import { watch } from "../watchdog.ts";
import { type Api, APIS, type ClientRequest, DEFAULT_MAX_TOKENS } from "../api.ts";
import { hasPlainTopLevelKeys } from "../raw_json.ts";
import { readCapped } from "../read_capped.ts";

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** The whole body, or 413 once it passes `maxBytes` (the rest unread), or 408 when too slow. */
export function readBody(req: Request, limits: BodyLimits): Promise<Uint8Array> {
  const length = req.headers.get("content-length");
  if (length !== null && Number(length) > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  // `req.body` is only touched for chunked uploads: the getter builds a JS stream.
  if (length === null && !req.headers.has("transfer-encoding")) {
    return Promise.resolve(new Uint8Array());
  }
  const started = Date.now();
  // A declared length within the cap is read natively; a chunked body is counted as it comes.
  const reading = length !== null
    ? req.bytes()
    : readCapped(req.body!, limits.maxBytes, () => tooLarge(limits.maxBytes));
  // One promise settled by whichever comes first: 0.18 µs, against 0.47 to race a second one.
  return new Promise<Uint8Array>((resolve, reject) => {
    const unwatch = watch((now) => {
      if (now - started < limits.timeoutMs) return;
      unwatch();
      reject(
        new ProxyError(
          408,
          `request body not received within ${limits.timeoutMs / 1000} s`,
          "request_timeout",
        ),
      );
    });
    reading.then((bytes) => {
      unwatch();
      resolve(bytes);
    }, (err) => {
      unwatch();
      reject(unreadable(req, err));
    });
  });
}

/**
 * A body that could not be read is the client's doing: a broken framing is a
 * 400, a client that left a 499 (nobody reads it), never a 500.
 */
function unreadable(req: Request, err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  if (req.signal.aborted) {
    return new ProxyError(499, "client disconnected", "client_closed_request");
  }
  return new ProxyError(
    400,
    `the request body could not be read: ${(err as Error)?.message ?? err}`,
    "invalid_body",
  );
}

function tooLarge(maxBytes: number): ProxyError {
  return new ProxyError(
    413,
    `request body larger than ${maxBytes} bytes (server.max_body_mb)`,
    "request_too_large",
  );
}

const decoder = new TextDecoder();

/** What the URL's path says of a request whose API names its model there (Gemini's). */
export interface PathTarget {
  model: string;
  stream: boolean;
  /** A stream answered as one JSON array (Gemini's without `alt=sse`), not SSE. */
  array: boolean;
}

/**
 * Parses the body for `api`. `text/plain` (or malformed JSON with
 * `raw_text_fallback`) is one user message, other fields from the query
 * string. `target`: the model and stream as the path named them.
 */
export function parseRequest(
  api: Api,
  bytes: Uint8Array,
  contentType: string | null,
  query: string,
  rawTextFallback: boolean,
  target?: PathTarget,
): ClientRequest {
  const text = decoder.decode(bytes);
  let body: unknown;
  let raw: string | undefined = text;
  // `fetch` labels a string body text/plain: a body that is plainly a JSON object stays JSON.
  if (contentType?.startsWith("text/plain") && !looksLikeJsonObject(text)) {
    body = fromPlainText(api, text, query);
    raw = undefined;
  } else {
    try {
      body = JSON.parse(text);
    } catch (err) {
      if (!rawTextFallback) {
        throw new ProxyError(400, `malformed JSON body: ${(err as Error).message}`, "invalid_json");
      }
      body = fromPlainText(api, text, query);
      raw = undefined;
    }
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ProxyError(400, "the request body must be a JSON object", "invalid_request");
  }
  const obj = body as Record<string, unknown>;
  const model = target?.model ?? obj.model;
  validate(api, obj, model);
  const plainText = raw === undefined;
  // A key given twice (or spelt with escapes) must not reach the upstream as sent: re-serialised.
  if (raw !== undefined && !hasPlainTopLevelKeys(raw)) raw = undefined;
  if (stringifyObjectContents(obj)) raw = undefined;
  const stream = target?.stream ?? obj.stream === true;
  return { body: obj, raw, model: model as string, stream, plainText };
}

function looksLikeJsonObject(text: string): boolean {
  if (!text.trimStart().startsWith("{")) return false;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Longer model names are refused: no real model has one, and each name may become a label. */
export const MAX_MODEL_LENGTH = 256;

function validate(api: Api, body: Record<string, unknown>, model: unknown): void {
  if (typeof model !== "string" || model === "") {
    throw new ProxyError(400, "'model' must be a non-empty string", "invalid_model");
  }
  if (model.length > MAX_MODEL_LENGTH) {
    throw new ProxyError(
      400,
      `'model' is longer than ${MAX_MODEL_LENGTH} characters`,
      "invalid_model",
    );
  }
  if (api === "chat" || api === "messages" || api === "count_tokens") {
    if (!Array.isArray(body.messages)) {
      throw new ProxyError(400, "'messages' must be an array", "invalid_messages");
    }
  }
  if (api === "responses" && typeof body.input !== "string" && !Array.isArray(body.input)) {
    throw new ProxyError(400, "'input' must be a string or an array", "invalid_input");
  }
  // countTokens may wrap the whole request instead (`generateContentRequest`).
  const counted = api === "gemini_count_tokens" && body.generateContentRequest
    ? body.generateContentRequest as Record<string, unknown>
    : body;
  if (APIS[api].list === "contents" && !Array.isArray(counted.contents)) {
    throw new ProxyError(400, "'contents' must be an array", "invalid_contents");
  }
}

/** A message whose content is a JSON object (not text, not parts) is sent as that object's JSON text. */
function stringifyObjectContents(body: Record<string, unknown>): boolean {
  if (!Array.isArray(body.messages)) return false;
  let changed = false;
  for (const m of body.messages) {
    const content = m?.content;
    if (content && typeof content === "object" && !Array.isArray(content)) {
      m.content = JSON.stringify(content);
      changed = true;
    }
  }
  return changed;
}

function fromPlainText(api: Api, text: string, query: string): Record<string, unknown> {
  const q = new URLSearchParams(query);
  const body: Record<string, unknown> = { model: q.get("model") ?? "" };
  const list = APIS[api].list;
  body[list] = list === "messages"
    ? [{ role: "user", content: text }]
    : list === "contents"
    ? [{ role: "user", parts: [{ text }] }]
    : text;
  const temperature = q.get("temperature");
  if (temperature !== null) body.temperature = Number(temperature);
  const maxTokens = q.get("max_tokens");
  if (maxTokens !== null) body.max_tokens = Number(maxTokens);
  else if (api === "messages") body.max_tokens = DEFAULT_MAX_TOKENS;
  const stream = q.get("stream");
  if (stream === "true" || stream === "1") body.stream = true;
  return body;
}
