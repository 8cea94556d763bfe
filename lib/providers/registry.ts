/**
 * Provider types by name: the HTTP built-ins, the built-in plugins (`echo`,
 * `mock`) and whatever the configured plugins add.
 */
import type { Plugin } from "../plugin.ts";
import { anthropic } from "./anthropic.ts";
import echo from "./echo.ts";
import mock from "./mock.ts";
import { ollama } from "./ollama.ts";
import { openai } from "./openai.ts";
import { azure } from "./azure.ts";
import { gemini } from "./gemini.ts";
import { vertex } from "./vertex.ts";
import { bedrock } from "./bedrock.ts";
import type { Provider, ProviderFactory } from "./types.ts";

/** Plugins that ship inside switchyard. */
export const BUILTIN_PLUGINS: readonly Plugin[] = [echo, mock];

const HTTP_PROVIDERS: Readonly<Record<string, ProviderFactory>> = {
  openai,
  anthropic,
  ollama,
  azure,
  gemini,
  vertex,
  bedrock,
};

/**
 * Every provider type, built-ins first; a type two plugins (or a plugin and a
 * built-in) claim is an error. `owner` names who defined each type.
 */
export function providerTypes(
  plugins: readonly Plugin[],
): { types: Record<string, ProviderFactory>; owner: Record<string, string>; problems: string[] } {
  const types: Record<string, ProviderFactory> = { ...HTTP_PROVIDERS };
  const owner: Record<string, string> = Object.fromEntries(
    Object.keys(types).map((t) => [t, "switchyard"]),
  );
  const problems: string[] = [];
  for (const plugin of [...BUILTIN_PLUGINS, ...plugins]) {
    for (const [type, factory] of Object.entries(plugin.providers ?? {})) {
      if (type in types) {
        problems.push(
          `plugin '${plugin.name}': provider type '${type}' is already defined by '${owner[type]}'`,
        );
      } else {
        types[type] = factory;
        owner[type] = plugin.name;
      }
    }
  }
  return { types, owner, problems };
}

/**
 * What a factory built, as a Provider: `apis` defaults to `["chat"]` (SPEC §9);
 * anything without `complete` and `stream` is a startup error, not a 500 per request.
 */
export function checkedProvider(built: unknown, type: string, owner: string): Provider {
  const p = built as Partial<Provider> | null;
  if (!p || typeof p.complete !== "function" || typeof p.stream !== "function") {
    throw new Error(
      `provider type '${type}' of plugin '${owner}' built something without complete() and stream()`,
    );
  }
  if (p.apis === undefined) return { ...p, apis: ["chat"] } as Provider;
  if (!Array.isArray(p.apis)) {
    throw new Error(`provider type '${type}' of plugin '${owner}': apis must be an array`);
  }
  return p as Provider;
}
