/**
 * Plugins: one TypeScript module whose default export is `definePlugin(…)`,
 * adding provider types and request/response hooks (SPEC §9).
 *
 * @example A plugin that prefixes every answer and counts requests
 * ```ts
 * import { definePlugin } from "../lib/plugin.ts";
 *
 * export default definePlugin({
 *   name: "prefix",
 *   hooks: {
 *     onResponse(ctx) {
 *       const message = (ctx.body.choices as any)?.[0]?.message;
 *       if (message) message.content = "» " + message.content;
 *     },
 *     onChunk(ctx) {
 *       if (ctx.state.started) return;
 *       ctx.state.started = true;
 *       return "» " + ctx.text;
 *     },
 *     onSuccess(ctx) {
 *       console.log(`${ctx.requestId} ${ctx.model}: ${ctx.usage?.total_tokens} tokens`);
 *     },
 *   },
 * });
 * ```
 */
import { ProxyError } from "./errors.ts";
import type { Attempt } from "./errors.ts";
import type { ProviderFactory } from "./providers/types.ts";
import type { Api } from "./api.ts";
import type { Usage } from "./formats/neutral.ts";

export type { Api, Attempt, ProviderFactory, Usage };
export type { Provider, ProviderInit, UpstreamCall } from "./providers/types.ts";

/** What every hook is told about the request. */
export interface HookContext {
  readonly requestId: string;
  /** The route the client called, e.g. `/v1/chat/completions`. */
  readonly route: string;
  /** The client's API: `chat`, `messages`, `responses`, `completions`, `embeddings`, `count_tokens`. */
  readonly api: Api;
  /** The model name the client sent. */
  readonly model: string;
  /** The deployment that serves the request, once routed. */
  readonly deployment: { provider: string; model: string } | null;
  /** Per-request state, shared by every hook of every plugin for this request. */
  readonly state: Record<string, unknown>;
}

/** `onRequest`: the parsed request, in the client's format; change it in place or reject it. */
export interface RequestHookContext extends HookContext {
  body: Record<string, unknown>;
  /** The client's request headers (read-only). */
  readonly headers: Headers;
  /** Stops the request: the client gets `status` and `message` in its endpoint's error format. */
  reject(status: number, message: string): never;
}

/** `onResponse`: a non-streaming answer, in the client's format; change it in place. */
export interface ResponseHookContext extends HookContext {
  body: Record<string, unknown>;
}

/** `onChunk`: a piece of streamed answer text; return a replacement to rewrite it. */
export interface ChunkHookContext extends HookContext {
  readonly text: string;
}

/** `onSuccess` / `onError`: how it went. */
export interface OutcomeHookContext extends HookContext {
  readonly status: number;
  readonly stream: boolean;
  readonly usage: Usage | null;
  readonly latencyMs: number;
  readonly attempts: readonly Attempt[];
  /** What went wrong (`onError` only). */
  readonly error: string | null;
}

type Awaitable<T> = T | Promise<T>;

/** Hooks run in plugin order, each awaited before the next. */
export interface Hooks {
  /** Before routing (and before transforms): may change or reject the request. */
  onRequest?(ctx: RequestHookContext): Awaitable<void>;
  /** A non-streaming answer before it is sent: may change it. */
  onResponse?(ctx: ResponseHookContext): Awaitable<void>;
  /** Each piece of streamed answer text (translated streams and the splitter's companion too). */
  onChunk?(ctx: ChunkHookContext): Awaitable<string | void>;
  /** After a request succeeded; never delays the response. */
  onSuccess?(ctx: OutcomeHookContext): Awaitable<void>;
  /** After a request failed (an error status, or a stream ended by an error); never delays the response. */
  onError?(ctx: OutcomeHookContext): Awaitable<void>;
}

export interface Plugin {
  /** Names the plugin in errors and logs. */
  name: string;
  /** Provider types by `type` name; a config provider with that type is built by the factory. */
  providers?: Record<string, ProviderFactory>;
  hooks?: Hooks;
}

const HOOK_NAMES = ["onRequest", "onResponse", "onChunk", "onSuccess", "onError"] as const;

/** Why `value` is not a plugin, or null when it is one. */
export function pluginProblem(value: unknown): string | null {
  if (!value || typeof value !== "object") {
    return "the default export is not an object made by definePlugin({ name, providers?, hooks? })";
  }
  const p = value as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name === "") {
    return "a plugin needs a non-empty string `name`";
  }
  for (const key of Object.keys(p)) {
    if (!["name", "providers", "hooks"].includes(key)) return `unknown key '${key}'`;
  }
  if (p.providers !== undefined) {
    if (!p.providers || typeof p.providers !== "object") {
      return "`providers` must map type names to factories";
    }
    for (const [type, factory] of Object.entries(p.providers)) {
      if (typeof factory !== "function") {
        return `providers.${type} must be a function (ProviderInit) => Provider`;
      }
    }
  }
  if (p.hooks !== undefined) {
    if (!p.hooks || typeof p.hooks !== "object") return "`hooks` must be an object";
    for (const [name, hook] of Object.entries(p.hooks)) {
      if (!(HOOK_NAMES as readonly string[]).includes(name)) {
        return `unknown hook '${name}' (known: ${HOOK_NAMES.join(", ")})`;
      }
      if (typeof hook !== "function") return `hooks.${name} must be a function`;
    }
  }
  return null;
}

/** Declares a plugin: checks its shape, so a mistake shows when it loads rather than mid-request. */
export function definePlugin(plugin: Plugin): Plugin {
  const problem = pluginProblem(plugin);
  if (problem) throw new TypeError(problem);
  return plugin;
}

/** Thrown by `reject()`: rendered in the endpoint's error format with its status. */
export class Rejected extends ProxyError {}
