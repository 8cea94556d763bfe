/**
 * The config file's schema (SPEC §4). Every object is strict, so a misspelt key
 * is an error; defaults live here and nowhere else.
 */
import { z } from "zod";
import { pathProblem } from "../transforms/jsonpath.ts";

/** Numbers and booleans may come from `${VAR}` expansion as strings. */
const num = () =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v),
    z.number(),
  );
const bool = () =>
  z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
const seconds = (fallback: number) => num().pipe(z.number().positive()).default(fallback);

const serverSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: num().pipe(z.number().int().min(0).max(65535)).default(8000),
  // `${KEY:-}` expands to "" on purpose: no key. (An unset `${KEY}` is a problem, see load.ts.)
  api_keys: z.array(z.string()).default([]).transform((keys) => keys.filter((k) => k !== "")),
  max_body_mb: num().pipe(z.number().positive()).default(20),
  read_timeout_s: seconds(30),
  shutdown_grace_s: num().pipe(z.number().nonnegative()).default(30),
  metrics_public: bool().default(false),
  raw_text_fallback: bool().default(false),
  allow_unauthenticated: bool().default(false),
  max_response_mb: num().pipe(z.number().positive()).default(64),
  header_timeout_s: seconds(10),
  keepalive_s: seconds(75),
  max_connections: num().pipe(z.number().int().min(1)).default(10000),
  /** Processes serving the same port; `auto`: one per core. */
  workers: z.union([z.literal("auto"), num().pipe(z.number().int().min(1))]).default(1),
  /** Reload when the config file (or a plugin it lists) changes. */
  watch: bool().default(false),
  /** The dashboard at /ui and the rings it reads (the last 500 requests, the last hour). */
  ui: bool().default(true),
  /** The dashboard's GET /admin/* routes answer without a key. */
  ui_public: bool().default(false),
});

/** Where state lives (SPEC §12): this process, a SQLite file, or Redis shared by every instance. */
const stateSchema = z.strictObject({
  // `memory` too: YAML wants `memory:` quoted.
  url: z.string().regex(
    /^(memory:?|sqlite:.+|rediss?:\/\/.+)$/,
    "expected memory:, sqlite:PATH, redis://… or rediss://…",
  ).default("memory:").transform((url) => (url === "memory" ? "memory:" : url)),
  prefix: z.string().default("switchyard:"),
  timeout_ms: num().pipe(z.number().positive()).default(100),
  on_error: z.enum(["open", "closed"]).default("open"),
});

const logSchema = z.strictObject({
  level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  dir: z.string().default("logs"),
  // Off unless asked: bodies are prompts (private), and logging them costs memory and CPU (README).
  bodies: bool().default(false),
  max_file_mb: num().pipe(z.number().positive()).default(50),
  keep_files: num().pipe(z.number().int().min(1)).default(5),
  max_body_kb: num().pipe(z.number().positive()).default(256),
});

const retrySchema = z.strictObject({
  attempts: num().pipe(z.number().int().min(1)).default(2),
  backoff_ms: num().pipe(z.number().nonnegative()).default(250),
  max_backoff_ms: num().pipe(z.number().nonnegative()).default(8000),
  on_status: z.array(num().pipe(z.number().int())).default([408, 429, 500, 502, 503, 504]),
});

const headerRulesSchema = z.strictObject({
  drop: z.array(z.string()).default([]),
  add: z.record(z.string(), z.string()).default({}),
  force: z.record(z.string(), z.string()).default({}),
  allow: z.array(z.string()).optional(),
});

const priceSchema = z.strictObject({
  input_per_mtok: num().pipe(z.number().nonnegative()),
  output_per_mtok: num().pipe(z.number().nonnegative()),
  cache_read_per_mtok: num().pipe(z.number().nonnegative()).optional(),
  cache_write_per_mtok: num().pipe(z.number().nonnegative()).optional(),
});

/** Knobs of the built-in `mock` provider (SPEC §9); an error on any other type. */
const MOCK_KEYS = [
  "latency_ms",
  "chunks",
  "chunk_delay_ms",
  "fail_status",
  "fail_rate",
  "text",
] as const;

const VERTEX_KEYS = ["project", "location", "credentials_file", "publisher"] as const;
const BEDROCK_KEYS = ["region", "access_key_id", "secret_access_key", "session_token"] as const;

export const providerSchema = z.strictObject({
  type: z.string().min(1),
  base_url: z.url().optional(),
  api_key: z.string().optional(),
  timeout_s: seconds(600),
  connect_timeout_s: seconds(10),
  first_byte_timeout_s: seconds(120),
  idle_timeout_s: seconds(60),
  tls: z.strictObject({ ca_file: z.string().optional(), insecure: bool().default(false) })
    .optional(),
  headers: headerRulesSchema.prefault({}),
  retry: retrySchema.prefault({}),
  responses: bool().default(true),
  /** Azure: the deployment style's `api-version`; without it, the v1 style. */
  api_version: z.string().min(1).optional(),
  /** Azure, deployment style: the deployment (default: the upstream model name). */
  deployment: z.string().min(1).optional(),
  /** Vertex AI: the project, the region (or `global`), the service-account key file, whose models. */
  project: z.string().min(1).optional(),
  location: z.string().min(1).optional(),
  credentials_file: z.string().min(1).optional(),
  publisher: z.enum(["google", "anthropic"]).optional(),
  /** Bedrock: the region and AWS credentials (else the AWS_* variables). */
  region: z.string().optional(),
  access_key_id: z.string().optional(),
  secret_access_key: z.string().optional(),
  session_token: z.string().optional(),
  price: priceSchema.optional(),
  /** Free-form settings for plugin provider types. */
  options: z.record(z.string(), z.unknown()).default({}),
  latency_ms: num().pipe(z.number().nonnegative()).optional(),
  chunks: num().pipe(z.number().int().min(1)).optional(),
  chunk_delay_ms: num().pipe(z.number().nonnegative()).optional(),
  fail_status: num().pipe(z.number().int().min(100).max(599)).optional(),
  fail_rate: num().pipe(z.number().min(0).max(1)).optional(),
  text: z.string().optional(),
}).superRefine((p, ctx) => {
  const only = {
    azure: ["api_version", "deployment"],
    vertex: VERTEX_KEYS,
    bedrock: BEDROCK_KEYS,
  } as const;
  for (const [type, keys] of Object.entries(only)) {
    for (const key of keys) {
      if (p[key] !== undefined && p.type !== type) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `only providers of type '${type}' take '${key}'`,
        });
      }
    }
  }
  if (p.type === "mock") return;
  for (const key of MOCK_KEYS) {
    if (p[key] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `only providers of type 'mock' take '${key}'`,
      });
    }
  }
});

const perMinute = () => num().pipe(z.number().int().min(1)).optional();

const deploymentObject = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  priority: num().pipe(z.number()).optional(),
  weight: num().pipe(z.number().positive()).default(1),
  /** The deployment's own limits (the provider account's quota): routing moves on before it answers 429. */
  rpm: perMinute(),
  tpm: perMinute(),
});

/** A virtual key (SPEC §11): who may call what, how fast, for how much. */
const keySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]+$/, "names are [a-z0-9_-]+"),
  key: z.string().min(1).optional(),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/i, "expected 64 hex characters").optional(),
  models: z.array(z.string().min(1)).optional(),
  rpm: perMinute(),
  tpm: perMinute(),
  max_parallel: perMinute(),
  budget: z.strictObject({
    usd: num().pipe(z.number().nonnegative()),
    period: z.enum(["day", "week", "month", "total"]),
  }).optional(),
  expires: z.iso.datetime({ offset: true }).optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
}).superRefine((k, ctx) => {
  if ((k.key === undefined) === (k.key_sha256 === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["key"],
      message: "give exactly one of key and key_sha256",
    });
  }
});

/** `provider/model` shorthand or the object form. */
const deploymentSchema = z.union([
  z.string().regex(/^[^/]+\/.+$/, "expected 'provider/model'"),
  deploymentObject,
]);

const globs = z.array(z.string().min(1)).optional();

/** A rule whose pattern does not compile is a config error, not a run-time crash. */
const validRegex = <T extends { pattern: string; flags: string }>(
  rule: T,
  ctx: z.RefinementCtx,
) => {
  try {
    new RegExp(rule.pattern, rule.flags);
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      path: ["pattern"],
      message: `invalid regular expression: ${(err as Error).message}`,
    });
  }
};

const regexFields = {
  pattern: z.string(),
  replace: z.string().default(""),
  flags: z.string().default("g"),
};
const regexRuleSchema = z.strictObject({ ...regexFields, roles: z.array(z.string()).optional() })
  .superRefine(validRegex);
const responseRegexSchema = z.strictObject(regexFields).superRefine(validRegex);

const jsonPath = z.string().superRefine((path, ctx) => {
  const problem = pathProblem(path);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const transformSchema = z.strictObject({
  models: globs,
  regex: z.array(regexRuleSchema).default([]),
  jsonpath: z.strictObject({
    drop: z.array(jsonPath).default([]),
    set: z.record(z.string(), z.unknown()).default({}).superRefine((set, ctx) => {
      for (const path of Object.keys(set)) {
        const problem = pathProblem(path);
        if (problem) ctx.addIssue({ code: "custom", path: [path], message: problem });
      }
    }),
  }).optional(),
  response_regex: z.array(responseRegexSchema).default([]),
});

const splitterSchema = z.strictObject({
  models: z.array(z.string().min(1)).default(["*"]),
  model: z.string().min(1),
  temperature: num().pipe(z.number().min(0).max(2)).default(0.1),
  prompt: z.string().default("Correct the grammar in this text: {message}"),
  separator: z.string().min(1).default("\n——\n"),
  timeout_s: seconds(30),
  grace_s: num().pipe(z.number().min(0)).default(2),
});

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  log: logSchema.prefault({}),
  providers: z.record(
    z.string().regex(/^[^/]+$/, "provider names cannot contain '/'"),
    providerSchema,
  ),
  models: z.record(
    z.string().min(1),
    z.union([deploymentSchema, z.array(deploymentSchema).min(1)]),
  ),
  routing: z.strictObject({
    fallback_on: z.array(num().pipe(z.number().int())).default([
      401,
      403,
      408,
      429,
      500,
      502,
      503,
      504,
    ]),
    cooldown: z.strictObject({
      failures: num().pipe(z.number().int().min(1)).default(3),
      seconds: num().pipe(z.number().nonnegative()).default(30),
    }).prefault({}),
    translate: bool().default(true),
    strategy: z.enum(["priority", "latency", "least_busy", "cost"]).default("priority"),
  }).prefault({}),
  keys: z.array(keySchema).default([]),
  transforms: z.array(transformSchema).default([]),
  splitter: splitterSchema.optional(),
  cache: z.strictObject({
    ttl_s: num().pipe(z.number().positive()).default(300),
    max_entries: num().pipe(z.number().int().min(1)).default(1000),
    /** `state`: in the state store, shared by every instance on it. */
    store: z.enum(["memory", "state"]).default("memory"),
  }).optional(),
  state: stateSchema.prefault({}),
  otel: z.strictObject({
    /** The collector's OTLP/HTTP base URL: spans go to its `/v1/traces`. */
    endpoint: z.url(),
    protocol: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
    headers: z.record(z.string(), z.string()).default({}),
    service_name: z.string().min(1).default("switchyard"),
    sample_ratio: num().pipe(z.number().min(0).max(1)).default(1),
    /** Message content on spans (`gen_ai.input.messages`, `gen_ai.output.messages`), masked. */
    capture_content: bool().default(false),
  }).optional(),
  plugins: z.array(z.string().min(1)).default([]),
});

export type Config = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type RetryConfig = z.output<typeof retrySchema>;
export type HeaderRules = z.output<typeof headerRulesSchema>;
export type Price = z.output<typeof priceSchema>;
export type TransformConfig = z.output<typeof transformSchema>;
export type SplitterConfig = z.output<typeof splitterSchema>;
export type KeyConfig = z.output<typeof keySchema>;
export type StateConfig = z.output<typeof stateSchema>;
