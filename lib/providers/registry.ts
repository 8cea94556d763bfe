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
import type { ProviderFactory } from "./types.ts";

/** Plugins that ship inside switchyard. */
export const BUILTIN_PLUGINS: readonly Plugin[] = [echo, mock];

const HTTP_PROVIDERS: Readonly<Record<string, ProviderFactory>> = { openai, anthropic, ollama };

/** Every provider type, built-ins first; a type two plugins (or a plugin and a built-in) claim is an error. */
export function providerTypes(
  plugins: readonly Plugin[],
): { types: Record<string, ProviderFactory>; problems: string[] } {
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
  return { types, problems };
}
