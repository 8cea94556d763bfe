/**
 * A LiteLLM proxy `config.yaml` (SPEC §17), read as it is: `model_list`
 * groups onto providers and models, `router_settings`, `litellm_settings`
 * and `general_settings` onto routing, state, cache and keys — the same
 * internal config, so every feature works the same on both. What has no
 * counterpart is a warning with its path (values never printed); what
 * cannot be served (an unknown provider prefix) is a problem. `notes` say
 * where a choice was made, for `switchyard convert`'s comments.
 */
type Json = Record<string, unknown>;
export type Path = (string | number)[];

export interface Finding {
  path: Path;
  message: string;
}

/** An `os.environ/VAR` the mapped config uses, at `path` of the LiteLLM file. */
export interface EnvRef {
  path: Path;
  name: string;
}

export interface Mapped {
  /** The config in switchyard's own shape, `os.environ/X` written `${X}`. */
  config: Json;
  warnings: Finding[];
  problems: Finding[];
  /** Why a key of the switchyard config is what it is, by its path there. */
  notes: Finding[];
  env: EnvRef[];
}

/** True when the parsed file is LiteLLM's (a top-level `model_list`). */
export function isLiteLLM(raw: object): boolean {
  return "model_list" in raw;
}

interface Prefix {
  type: string;
  /** The OpenAI-compatible host's `/v1` base, for the prefixes that are one. */
  base?: string;
}

/** LiteLLM's provider prefixes, onto provider types; the OpenAI-compatible ones with their public API. */
const PREFIXES: Record<string, Prefix> = {
  openai: { type: "openai" },
  text_completion_openai: { type: "openai" },
  custom_openai: { type: "openai" },
  openai_like: { type: "openai" },
  anthropic: { type: "anthropic" },
  ollama: { type: "ollama" },
  ollama_chat: { type: "ollama" },
  gemini: { type: "gemini" },
  vertex_ai: { type: "vertex" },
  vertex_ai_beta: { type: "vertex" },
  bedrock: { type: "bedrock" },
  azure: { type: "azure" },
  openrouter: { type: "openai", base: "https://openrouter.ai/api/v1" },
  groq: { type: "openai", base: "https://api.groq.com/openai/v1" },
  together_ai: { type: "openai", base: "https://api.together.xyz/v1" },
  deepseek: { type: "openai", base: "https://api.deepseek.com/v1" },
  mistral: { type: "openai", base: "https://api.mistral.ai/v1" },
  xai: { type: "openai", base: "https://api.x.ai/v1" },
  fireworks_ai: { type: "openai", base: "https://api.fireworks.ai/inference/v1" },
  perplexity: { type: "openai", base: "https://api.perplexity.ai" },
  cerebras: { type: "openai", base: "https://api.cerebras.ai/v1" },
  deepinfra: { type: "openai", base: "https://api.deepinfra.com/v1/openai" },
  nvidia_nim: { type: "openai", base: "https://integrate.api.nvidia.com/v1" },
  sambanova: { type: "openai", base: "https://api.sambanova.ai/v1" },
  hosted_vllm: { type: "openai", base: "http://localhost:8000/v1" },
  vllm: { type: "openai", base: "http://localhost:8000/v1" },
  lm_studio: { type: "openai", base: "http://localhost:1234/v1" },
  llamafile: { type: "openai", base: "http://localhost:8080/v1" },
  litellm_proxy: { type: "openai", base: "http://localhost:4000/v1" },
};

const STRATEGIES: Record<string, string> = {
  "simple-shuffle": "priority",
  "latency-based-routing": "latency",
  "least-busy": "least_busy",
  "cost-based-routing": "cost",
  "usage-based-routing": "priority",
  "usage-based-routing-v2": "priority",
};

/** litellm_params that become provider settings, and the deployment's own. */
const PROVIDER_PARAMS = new Set([
  "model",
  "api_base",
  "base_url",
  "api_key",
  "api_version",
  "timeout",
  "stream_timeout",
  "max_retries",
  "input_cost_per_token",
  "output_cost_per_token",
  "vertex_project",
  "vertex_location",
  "vertex_credentials",
  "aws_region_name",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_bedrock_runtime_endpoint",
  "extra_headers",
  "organization",
]);
const DEPLOYMENT_PARAMS = new Set(["rpm", "tpm", "weight", "order"]);
/** Accepted as they are: switchyard already behaves so (translation drops what a provider cannot take). */
const ACCEPTED_PARAMS = new Set(["drop_params"]);

/** The keys each section carries over (the rest are warnings). */
const TOP_KEYS = [
  "model_list",
  "router_settings",
  "litellm_settings",
  "general_settings",
  // switchyard's own: a problem of their own (one shape per file), not a warning.
  "providers",
  "models",
];
const ROUTER_KEYS = [
  "routing_strategy",
  "num_retries",
  "timeout",
  "allowed_fails",
  "cooldown_time",
  "fallbacks",
  "redis_host",
  "redis_port",
  "redis_password",
  "redis_url",
];
const SETTINGS_KEYS = [
  "drop_params",
  "cache",
  "cache_params",
  "num_retries",
  "request_timeout",
  "fallbacks",
];
const CACHE_KEYS = ["type", "ttl", "host", "port", "password", "url"];

const ENV = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

export function fromLiteLLM(raw: Json): Mapped {
  const warnings: Finding[] = [];
  const problems: Finding[] = [];
  const notes: Finding[] = [];
  const env: EnvRef[] = [];
  const unsupported = (path: Path) => warnings.push({ path, message: "not supported, ignored" });
  /** Every key of `obj` at `at` but the `known` ones is a warning. */
  const others = (obj: Json, at: Path, known: readonly string[]) => {
    for (const key of Object.keys(obj)) if (!known.includes(key)) unsupported([...at, key]);
  };
  /** A value as switchyard writes it: `os.environ/X` as `${X}`, remembered. */
  const value = (v: unknown, path: Path): unknown => {
    const m = typeof v === "string" ? ENV.exec(v) : null;
    if (!m) return v;
    env.push({ path, name: m[1] });
    return `\${${m[1]}}`;
  };

  for (const key of ["providers", "models"]) {
    if (key in raw) {
      problems.push({
        path: [key],
        message:
          "this file has LiteLLM's model_list and switchyard's own keys: use one shape (`switchyard convert` writes switchyard's)",
      });
    }
  }
  const router = isObject(raw.router_settings) ? raw.router_settings : {};
  const settings = isObject(raw.litellm_settings) ? raw.litellm_settings : {};
  const general = isObject(raw.general_settings) ? raw.general_settings : {};
  others(raw, [], TOP_KEYS);

  const retries = router.num_retries ?? settings.num_retries;
  const timeout = router.timeout ?? settings.request_timeout;
  const providers: Record<string, Json> = {};
  const signatures = new Map<string, string>();
  const models: Record<string, Json[]> = {};
  const list = Array.isArray(raw.model_list) ? raw.model_list : [];
  list.forEach((entry, i) => {
    const at: Path = ["model_list", i];
    if (!isObject(entry) || typeof entry.model_name !== "string" || !entry.model_name) {
      problems.push({ path: [...at, "model_name"], message: "expected a model name" });
      return;
    }
    const params = isObject(entry.litellm_params) ? entry.litellm_params : {};
    const p = (key: string) => value(params[key], [...at, "litellm_params", key]);
    others(entry, at, ["model_name", "litellm_params"]);
    for (const key of Object.keys(params)) {
      if (!PROVIDER_PARAMS.has(key) && !DEPLOYMENT_PARAMS.has(key) && !ACCEPTED_PARAMS.has(key)) {
        unsupported([...at, "litellm_params", key]);
      }
    }
    const model = typeof params.model === "string" ? params.model : "";
    if (!model) {
      problems.push({
        path: [...at, "litellm_params", "model"],
        message: "expected provider/model",
      });
      return;
    }
    const slash = model.indexOf("/");
    let prefix = slash > 0 ? model.slice(0, slash) : "";
    let upstream = slash > 0 ? model.slice(slash + 1) : model;
    if (!prefix) {
      // LiteLLM knows a bare model's provider by its name.
      prefix = /^claude/.test(model) ? "anthropic" : /^gemini/.test(model) ? "gemini" : "openai";
      upstream = model;
      notes.push({
        path: ["models", entry.model_name],
        message: `'${model}' has no provider prefix: served by ${prefix}, as LiteLLM infers`,
      });
    }
    const known = PREFIXES[prefix];
    if (!known) {
      problems.push({
        path: [...at, "litellm_params", "model"],
        message: `unknown provider prefix '${prefix}' (known: ${Object.keys(PREFIXES).join(", ")})`,
      });
      return;
    }
    if (known.type === "bedrock") upstream = upstream.replace(/^(converse|invoke)\//, "");
    const provider = providerOf(known, upstream, p, retries, timeout, value);
    const signature = JSON.stringify(provider);
    let name = signatures.get(signature);
    if (!name) {
      name = prefix.replaceAll("_", "-");
      for (let n = 2; name in providers; n++) name = `${prefix.replaceAll("_", "-")}-${n}`;
      providers[name] = provider;
      signatures.set(signature, name);
      notes.push({ path: ["providers", name], message: `from ${at.join(".")} (${prefix}/…)` });
    }
    const deployment: Json = { provider: name, model: upstream, priority: 0 };
    for (const key of ["rpm", "tpm", "weight"]) {
      if (params[key] !== undefined) deployment[key] = p(key);
    }
    if (params.order !== undefined) deployment.priority = p("order");
    (models[entry.model_name] ??= []).push(deployment);
  });

  // Fallbacks: another group's deployments, after the model's own.
  const fallbacks = router.fallbacks ?? settings.fallbacks;
  const fallbackPath = router.fallbacks ? "router_settings" : "litellm_settings";
  if (Array.isArray(fallbacks)) {
    fallbacks.forEach((rule, i) => {
      if (!isObject(rule)) return;
      for (const [from, to] of Object.entries(rule)) {
        const own = models[from];
        const path = [fallbackPath, "fallbacks", i, from];
        if (!own) {
          problems.push({ path, message: `'${from}' is no model_name of model_list` });
          continue;
        }
        const after = Math.max(...own.map((d) => Number(d.priority) || 0)) + 1;
        for (const [n, target] of (Array.isArray(to) ? to : [to]).entries()) {
          const theirs = models[String(target)];
          if (!theirs) {
            problems.push({ path, message: `fallback '${target}' is no model_name of model_list` });
            continue;
          }
          for (const d of theirs) {
            if (!own.some((o) => o.provider === d.provider && o.model === d.model)) {
              own.push({ ...d, priority: after + n });
            }
          }
        }
        notes.push({
          path: ["models", from],
          message: `fallbacks to ${(Array.isArray(to) ? to : [to]).join(", ")} come after its own`,
        });
      }
    });
  }

  const config: Json = { providers, models };
  const routing: Json = {};
  if (router.routing_strategy !== undefined) {
    const strategy = STRATEGIES[String(router.routing_strategy)];
    if (strategy) {
      routing.strategy = strategy;
      notes.push({
        path: ["routing", "strategy"],
        message: `router_settings.routing_strategy ${router.routing_strategy}${
          router.routing_strategy === "simple-shuffle"
            ? ": equal priorities share the load by weight"
            : String(router.routing_strategy).startsWith("usage")
            ? ": priority order, each deployment held to its rpm/tpm"
            : ""
        }`,
      });
    } else unsupported(["router_settings", "routing_strategy"]);
  }
  const cooldown: Json = {};
  if (typeof router.allowed_fails === "number") {
    cooldown.failures = router.allowed_fails + 1;
    notes.push({
      path: ["routing", "cooldown"],
      message: `allowed_fails ${router.allowed_fails}: a cooldown after ${
        router.allowed_fails + 1
      } failures in a row`,
    });
  }
  if (router.cooldown_time !== undefined) {
    cooldown.seconds = value(router.cooldown_time, ["router_settings", "cooldown_time"]);
  }
  if (Object.keys(cooldown).length) routing.cooldown = cooldown;
  if (Object.keys(routing).length) config.routing = routing;

  const redis = redisUrl(router, ["router_settings"], value) ??
    (isObject(settings.cache_params)
      ? redisUrl(settings.cache_params, ["litellm_settings", "cache_params"], value)
      : undefined);
  if (redis) config.state = { url: redis };
  if (settings.cache === true) {
    const params = isObject(settings.cache_params) ? settings.cache_params : {};
    const cache: Json = {};
    const type = params.type ?? "local";
    if (type === "redis") cache.store = "state";
    else if (type !== "local" && type !== "in-memory") {
      warnings.push({
        path: ["litellm_settings", "cache_params", "type"],
        message: `cache type '${type}' not supported: answers are cached in memory`,
      });
    }
    if (params.ttl !== undefined) {
      cache.ttl_s = value(params.ttl, ["litellm_settings", "cache_params", "ttl"]);
    }
    config.cache = cache;
    others(params, ["litellm_settings", "cache_params"], CACHE_KEYS);
  }

  others(router, ["router_settings"], ROUTER_KEYS);
  others(settings, ["litellm_settings"], SETTINGS_KEYS);
  if (settings.drop_params !== undefined) {
    notes.push({
      path: ["providers"],
      message:
        "litellm_settings.drop_params: translation drops what a provider cannot take and logs it; same-format requests pass as sent",
    });
  }
  others(general, ["general_settings"], ["master_key"]);
  if (general.master_key !== undefined) {
    config.server = { api_keys: [value(general.master_key, ["general_settings", "master_key"])] };
  }
  return { config, warnings, problems, notes, env };
}

/** One entry's provider settings; entries with the same ones share a provider. */
function providerOf(
  known: Prefix,
  upstream: string,
  p: (key: string) => unknown,
  retries: unknown,
  timeout: unknown,
  value: (v: unknown, path: Path) => unknown,
): Json {
  const out: Json = { type: known.type };
  let base = (p("api_base") ?? p("base_url") ?? p("aws_bedrock_runtime_endpoint")) as
    | string
    | undefined;
  // LiteLLM's api_base for Anthropic may name the messages endpoint itself.
  if (typeof base === "string" && known.type === "anthropic") {
    base = base.replace(/\/v1(\/messages)?\/?$/, "");
  }
  if (typeof base === "string") out.base_url = base.replace(/\/+$/, "");
  else if (known.base) out.base_url = known.base;
  const set = (to: string, from: string) => {
    const v = p(from);
    if (v !== undefined) out[to] = v;
  };
  set("api_key", "api_key");
  if (known.type === "azure") set("api_version", "api_version");
  set("timeout_s", "timeout");
  if (out.timeout_s === undefined && timeout !== undefined) {
    out.timeout_s = value(timeout, ["router_settings", "timeout"]);
  }
  set("idle_timeout_s", "stream_timeout");
  const max = p("max_retries") ?? retries;
  if (typeof max === "number") out.retry = { attempts: max + 1 };
  if (known.type === "vertex") {
    set("project", "vertex_project");
    set("location", "vertex_location");
    set("credentials_file", "vertex_credentials");
    out.publisher = upstream.startsWith("claude") ? "anthropic" : "google";
  }
  if (known.type === "bedrock") {
    set("region", "aws_region_name");
    set("access_key_id", "aws_access_key_id");
    set("secret_access_key", "aws_secret_access_key");
    set("session_token", "aws_session_token");
  }
  const input = p("input_cost_per_token");
  const output = p("output_cost_per_token");
  if (typeof input === "number" && typeof output === "number") {
    // Per million tokens, without the float noise of the multiplication (3e-6 × 1e6).
    const perMtok = (perToken: number) => Number((perToken * 1e6).toPrecision(12));
    out.price = { input_per_mtok: perMtok(input), output_per_mtok: perMtok(output) };
  }
  const force: Json = {};
  const extra = p("extra_headers");
  if (extra && typeof extra === "object") Object.assign(force, extra);
  const org = p("organization");
  if (org !== undefined) force["openai-organization"] = org;
  if (Object.keys(force).length) out.headers = { force };
  return out;
}

/** `redis://…` from LiteLLM's `redis_host`/`redis_port`/`redis_password` (or `host`, … in cache_params). */
function redisUrl(
  from: Json,
  at: Path,
  value: (v: unknown, path: Path) => unknown,
): string | undefined {
  const pick = (...keys: string[]) => {
    for (const key of keys) if (from[key] !== undefined) return value(from[key], [...at, key]);
    return undefined;
  };
  const url = pick("redis_url", "url");
  if (typeof url === "string") return url;
  const host = pick("redis_host", "host");
  if (host === undefined) return undefined;
  const port = pick("redis_port", "port") ?? 6379;
  const password = pick("redis_password", "password");
  return `redis://${password !== undefined ? `:${password}@` : ""}${host}:${port}`;
}
