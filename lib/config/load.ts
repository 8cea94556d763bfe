/**
 * Finding, reading and validating the config (SPEC §2, §4): `.env` first, then
 * the file (YAML or JSON), `${VAR}` expansion, the zod schema. Every problem is
 * collected and reported at once as `path.to.key: message (file:line)`.
 */
import { createHash } from "node:crypto";
import { parse as parseDotenv } from "dotenv";
import { LineCounter, parseDocument } from "yaml";
import type { Document } from "yaml";
import { type Config, configSchema } from "./schema.ts";
import { embeddedDefault } from "./defaults.ts";
import { fromLegacy, isLegacy } from "./legacy.ts";
import { fromLiteLLM, isLiteLLM } from "./litellm.ts";
import { compileGlob } from "../glob.ts";
import { keyProblems, keyWarnings, stateProblems } from "./key_checks.ts";

/** A config that failed to load; `problems` holds one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the embedded default. */
  path: string | null;
  /** What is worth knowing but not refused, as `path.to.key: message (file:line)`. */
  warnings: string[];
  /** The SHA-256 of the file's bytes (of the config itself for the embedded default). */
  sha256: string;
}

export type Env = Record<string, string | undefined>;

/**
 * Loads `.env` into the process environment without overriding variables that
 * are already set: real environment variables win. A missing default `.env`
 * is fine; a missing `--env-file` is an error.
 */
export function loadDotenv(path: string | undefined): void {
  let text: string;
  try {
    text = Deno.readTextFileSync(path ?? ".env");
  } catch (err) {
    if (path === undefined && err instanceof Deno.errors.NotFound) return;
    throw new ConfigError([`${path ?? ".env"}: cannot read env file: ${(err as Error).message}`]);
  }
  for (const [key, value] of Object.entries(parseDotenv(text))) {
    if (Deno.env.get(key) === undefined) Deno.env.set(key, value);
  }
}

/** Which file to load: `--config`, `$SWITCHYARD_CONFIG`, `./switchyard.yaml`, else none. */
export function findConfigPath(flag: string | undefined, env: Env): string | null {
  if (flag) return flag;
  if (env.SWITCHYARD_CONFIG) return env.SWITCHYARD_CONFIG;
  try {
    if (Deno.statSync("switchyard.yaml").isFile) return "switchyard.yaml";
  } catch { /* no file in the working directory: the embedded default applies */ }
  return null;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * `${VAR}` and `${VAR:-default}` in one string; an unset (or empty) VAR without
 * default is "", and `unset` is told its name.
 */
export function expandString(s: string, env: Env, unset?: (name: string) => void): string {
  return s.replace(VAR, (_, name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (fallback === undefined) unset?.(name);
    return fallback ?? value ?? "";
  });
}

/** Told where a `${VAR}` without default found VAR unset: the string's path and the name. */
export type OnUnset = (path: Path, name: string) => void;

/** Expands variables in every string of a parsed config, keys excepted. */
export function expandAll(value: unknown, env: Env, onUnset?: OnUnset, path: Path = []): unknown {
  if (typeof value === "string") {
    return expandString(value, env, onUnset && ((name) => onUnset(path, name)));
  }
  if (Array.isArray(value)) return value.map((v, i) => expandAll(v, env, onUnset, [...path, i]));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandAll(v, env, onUnset, [...path, k])]),
    );
  }
  return value;
}

/** Command-line settings that override the file's (`--host`, `--port`). */
export interface Overrides {
  host?: string;
  port?: number;
}

/** Reads, expands and validates; throws ConfigError listing every problem. */
export function loadConfig(path: string | null, env: Env, overrides: Overrides = {}): LoadedConfig {
  if (path === null) {
    const raw = withOtelEnv(withOverrides(embeddedDefault(env), overrides), env);
    const loaded = validate(raw, null, []);
    return { ...loaded, path, sha256: sha256(JSON.stringify(loaded.config)) };
  }
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    throw new ConfigError([`${path}: cannot read config: ${(err as Error).message}`]);
  }
  const text = new TextDecoder().decode(bytes);
  return { ...parseConfig(text, path, env, overrides), path, sha256: sha256(bytes) };
}

/** The SHA-256 of a config file's bytes as they are now (null: it cannot be read). */
export function fileSha256(path: string): string | null {
  try {
    return sha256(Deno.readFileSync(path));
  } catch {
    return null;
  }
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

function withOverrides(
  raw: Record<string, unknown>,
  overrides: Overrides,
): Record<string, unknown> {
  const set = Object.entries(overrides).filter(([, v]) => v !== undefined);
  if (set.length === 0) return raw;
  const server = raw.server && typeof raw.server === "object" ? raw.server : {};
  return { ...raw, server: { ...server, ...Object.fromEntries(set) } };
}

/**
 * The standard OpenTelemetry variables, for a config without `otel`
 * (`OTEL_EXPORTER_OTLP_HEADERS` is `k=v,k2=v2`, values URL-encoded).
 */
function withOtelEnv(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (raw.otel !== undefined || !endpoint) return raw;
  const headers = Object.fromEntries(
    (env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",").flatMap((pair) => {
      const at = pair.indexOf("=");
      return at > 0
        ? [[pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())]]
        : [];
    }),
  );
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL;
  return {
    ...raw,
    otel: {
      endpoint,
      headers,
      ...(protocol ? { protocol } : {}),
      ...(env.OTEL_SERVICE_NAME ? { service_name: env.OTEL_SERVICE_NAME } : {}),
    },
  };
}

/** Paths in a config file are relative to that file, not to the working directory. */
function resolvePaths(config: Config, path: string): Config {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "./";
  const resolve = (p: string) => (p.startsWith("/") || p.includes(":") ? p : dir + p);
  for (const provider of Object.values(config.providers)) {
    if (provider.tls?.ca_file) provider.tls.ca_file = resolve(provider.tls.ca_file);
    if (provider.credentials_file) provider.credentials_file = resolve(provider.credentials_file);
  }
  config.plugins = config.plugins.map(resolve);
  return config;
}

/** Parses config text (YAML, which includes JSON) as if read from `path`. */
export function parseConfigText(
  text: string,
  path: string,
  env: Env,
  overrides: Overrides = {},
): Config {
  return parseConfig(text, path, env, overrides).config;
}

function parseConfig(
  text: string,
  path: string,
  env: Env,
  overrides: Overrides,
): { config: Config; warnings: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return `${path}${at ? `:${at.line}` : ""}: ${e.message.split("\n")[0]}`;
    }));
  }
  let raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError([`${path}: the config must be a mapping of keys`]);
  }
  const original = { path, doc, lines };
  const warnings: string[] = [];
  let mapped = false;
  if (isLiteLLM(raw)) {
    const litellm = fromLiteLLM(raw as Record<string, unknown>);
    // An unset os.environ/X must never go upstream as "": a problem naming it.
    const problems = [
      ...litellm.problems,
      ...litellm.env.filter((ref) => !env[ref.name]).map((ref) => ({
        path: ref.path,
        message: `os.environ/${ref.name} is not set`,
      })),
    ];
    if (problems.length) {
      throw new ConfigError(problems.map((p) => describe(p.path, p.message, original)));
    }
    warnings.push(...litellm.warnings.map((w) => describe(w.path, w.message, original)));
    raw = litellm.config;
    mapped = true;
  } else if (isLegacy(raw)) {
    raw = fromLegacy(raw as Record<string, unknown>);
    mapped = true;
  }
  const unset: Unset[] = [];
  const expanded = expandAll(raw, env, (at, name) => unset.push({ path: at, name }));
  // A mapped config's paths are not the file's: its problems name no line.
  const source = { path, doc: mapped ? null : doc, lines };
  const valid = validate(
    withOtelEnv(withOverrides(expanded as Record<string, unknown>, overrides), env),
    source,
    unset,
  );
  return {
    config: resolvePaths(valid.config, path),
    warnings: [...warnings, ...valid.warnings],
  };
}

interface Unset {
  path: Path;
  name: string;
}

export interface Source {
  path: string;
  doc: Document | null;
  lines: LineCounter;
}

function validate(
  raw: unknown,
  source: Source | null,
  unset: Unset[],
): { config: Config; warnings: string[] } {
  const result = configSchema.safeParse(raw);
  const cross = crossCheck(raw as Record<string, unknown>);
  cross.push(...keyProblems(raw as Record<string, unknown>));
  cross.push(...unsetKeys(unset));
  if (result.success) cross.push(...exposure(result.data), ...stateProblems(result.data));
  if (result.success && cross.length === 0) {
    const warnings = keyWarnings(result.data).map((w) => describe(w.path, w.message, source));
    return { config: result.data, warnings };
  }
  // zod reports an unknown key on its parent; name the key itself.
  const problems: Problem[] = (result.error?.issues ?? []).flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((k) => ({ path: [...issue.path as Path, k], message: "unknown key" }))
      : [{ path: [...issue.path as Path], message: issue.message }]
  );
  problems.push(...cross);
  throw new ConfigError(problems.map((p) => describe(p.path, p.message, source)));
}

type Path = (string | number)[];

interface Problem {
  path: Path;
  message: string;
}

/** Checks that span keys (deployments name configured providers), on the raw input so they join the schema's. */
function crossCheck(raw: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const providers = (raw.providers ?? {}) as Record<string, unknown>;
  const models = raw.models && typeof raw.models === "object"
    ? raw.models as Record<string, unknown>
    : {};
  for (const [model, entry] of Object.entries(models)) {
    const list = Array.isArray(entry) ? entry : [entry];
    list.forEach((d, i) => {
      const provider = typeof d === "string"
        ? d.slice(0, d.indexOf("/"))
        : (d as { provider?: unknown })?.provider;
      if (typeof provider === "string" && provider !== "" && !(provider in providers)) {
        const path = Array.isArray(entry) ? ["models", model, i] : ["models", model];
        problems.push({ path, message: `unknown provider '${provider}'` });
      }
    });
  }
  const splitterModel = (raw.splitter as { model?: unknown } | undefined)?.model;
  if (
    typeof splitterModel === "string" &&
    !Object.keys(models).some((m) => compileGlob(m).test(splitterModel))
  ) {
    problems.push({
      path: ["splitter", "model"],
      message: `'${splitterModel}' matches no entry in models`,
    });
  }
  return problems;
}

/** Where an unset variable must not quietly mean "no key": the admin keys, a virtual key's secret. */
const KEY_FIELDS = /^(server\.api_keys\.\d+|keys\.\d+\.key)$/;

function unsetKeys(unset: Unset[]): Problem[] {
  return unset.filter((u) => KEY_FIELDS.test(u.path.join("."))).map((u) => ({
    path: u.path,
    message:
      `\${${u.name}} is not set, which would quietly mean no key: set it, or write \${${u.name}:-} to mean no key`,
  }));
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** True for a listen address only this machine reaches. */
export const isLoopback = (host: string) => LOOPBACK.test(host);

/**
 * What a config that keeps the running listener, workers and state must
 * still pass (a reload checks again once those are put back), as
 * `path.to.key: message`.
 */
export function runningProblems(config: Config): string[] {
  return [...exposure(config), ...stateProblems(config)].map((p) =>
    `${p.path.join(".")}: ${p.message}`
  );
}

/** A listener others can reach, with no key at all, spends the provider keys of whoever runs it. */
function exposure(config: Config): Problem[] {
  const { host, api_keys, allow_unauthenticated } = config.server;
  const keyed = api_keys.length > 0 || config.keys.length > 0;
  if (allow_unauthenticated || keyed || isLoopback(host)) return [];
  return [{
    path: ["server", "host"],
    message:
      `listening on ${host} without a proxy key lets anyone who reaches it spend your provider keys: set server.api_keys (SWITCHYARD_API_KEY without a config file), or server.allow_unauthenticated: true to mean it`,
  }];
}

/** `path.to.key: message (file:line)`, with the line of the deepest node that exists. */
export function describe(path: Path, message: string, source: Source | null): string {
  const key = path.length ? path.join(".") : "(root)";
  if (!source) return `${key}: ${message} (embedded default)`;
  let line: number | undefined;
  if (source.doc) {
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = source.doc.getIn(path.slice(0, n), true) as { range?: number[] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) line = source.lines.linePos(offset).line;
    }
  }
  return `${key}: ${message} (${source.path}${line ? `:${line}` : ""})`;
}
