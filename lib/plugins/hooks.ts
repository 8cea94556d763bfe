/**
 * Running the plugins' hooks, in plugin order. A hook that throws fails its
 * request with a 500 in the endpoint's format (a stream ends with an error
 * event); an observer that throws is logged. Observers never delay a response.
 */
import { ProxyError } from "../errors.ts";
import type { Logger } from "../observe/log.ts";
import type { CallRecord } from "../observe/record.ts";
import {
  type ChunkHookContext,
  type HookContext,
  type Hooks,
  type OutcomeHookContext,
  type Plugin,
  Rejected,
  type RequestHookContext,
  type ResponseHookContext,
} from "../plugin.ts";
import type { AnswerEvent } from "../formats/neutral.ts";

type HookName = keyof Hooks;

export class HookRunner {
  readonly #by: { [K in HookName]: [string, NonNullable<Hooks[K]>][] };

  constructor(plugins: readonly Plugin[], readonly logger: Logger) {
    const list = <K extends HookName>(name: K) =>
      plugins.flatMap((
        p,
      ) => (p.hooks?.[name] ? [[p.name, p.hooks[name]!] as [string, NonNullable<Hooks[K]>]] : []));
    this.#by = {
      onRequest: list("onRequest"),
      onResponse: list("onResponse"),
      onChunk: list("onChunk"),
      onSuccess: list("onSuccess"),
      onError: list("onError"),
    };
  }

  has(name: HookName): boolean {
    return this.#by[name].length > 0;
  }

  /** Runs `onRequest` hooks on the body; rejections and failures become ProxyErrors. */
  async onRequest(
    ctx: HookContext,
    body: Record<string, unknown>,
    headers: Headers,
  ): Promise<Record<string, unknown>> {
    const hookCtx: RequestHookContext = {
      ...ctx,
      body,
      headers,
      reject(status: number, message: string): never {
        throw new Rejected(status, message, "rejected_by_plugin");
      },
    };
    for (const [plugin, hook] of this.#by.onRequest) {
      await this.#run(plugin, "onRequest", () => hook(hookCtx));
    }
    return hookCtx.body;
  }

  /** Runs `onResponse` hooks on a non-streaming answer (client format). */
  async onResponse(
    ctx: HookContext,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const hookCtx: ResponseHookContext = { ...ctx, body };
    for (const [plugin, hook] of this.#by.onResponse) {
      await this.#run(plugin, "onResponse", () => hook(hookCtx));
    }
    return hookCtx.body;
  }

  /** Runs `onChunk` hooks on a piece of text; returns what goes out. */
  async onChunk(ctx: HookContext, text: string): Promise<string> {
    for (const [plugin, hook] of this.#by.onChunk) {
      const chunkCtx: ChunkHookContext = { ...ctx, text };
      const out = await this.#run(plugin, "onChunk", () => hook(chunkCtx));
      if (typeof out === "string") text = out;
    }
    return text;
  }

  /** Stream text through `onChunk` hooks, event by event. */
  chunkStream(ctx: HookContext): TransformStream<AnswerEvent, AnswerEvent> {
    return new TransformStream<AnswerEvent, AnswerEvent>({
      transform: async (ev, out) => {
        if (ev.type !== "text") return out.enqueue(ev);
        const text = await this.onChunk(ctx, ev.text);
        if (text) out.enqueue({ type: "text", text });
      },
    });
  }

  /** Tells `onSuccess` or `onError` observers, without waiting for them. */
  observe(ctx: HookContext, r: CallRecord): void {
    const failed = r.status >= 400 || r.error !== null;
    const hooks = failed ? this.#by.onError : this.#by.onSuccess;
    if (hooks.length === 0) return;
    const outcome: OutcomeHookContext = {
      ...ctx,
      status: r.status,
      stream: r.stream,
      usage: r.usage,
      latencyMs: r.latency_ms,
      attempts: r.attempts,
      error: r.error,
    };
    queueMicrotask(async () => {
      for (const [plugin, hook] of hooks) {
        try {
          await hook(outcome);
        } catch (err) {
          this.logger.error(
            `plugin '${plugin}' ${failed ? "onError" : "onSuccess"} failed: ${
              (err as Error)?.message ?? err
            }`,
          );
        }
      }
    });
  }

  async #run<T>(plugin: string, hook: HookName, call: () => T): Promise<Awaited<T>> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof Rejected) throw err;
      this.logger.error(`plugin '${plugin}' ${hook} failed: ${(err as Error)?.stack ?? err}`);
      throw new ProxyError(
        500,
        `plugin '${plugin}' failed in ${hook}: ${(err as Error)?.message ?? err}`,
        "plugin_error",
      );
    }
  }
}
