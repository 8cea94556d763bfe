/**
 * Loading the modules listed in `plugins:` — local files (relative to the
 * config file) or `npm:`/`jsr:`/`https:` specifiers — and checking each is a
 * plugin. Every failure names the module and the problem.
 */
import { ConfigError } from "../config/load.ts";
import { type Plugin, pluginProblem } from "../plugin.ts";

/** A specifier `import()` takes: file URLs for paths. */
function specifierFor(entry: string): string {
  if (/^(npm|jsr|https?|file):/.test(entry)) return entry;
  const absolute = entry.startsWith("/") ? entry : `${Deno.cwd()}/${entry}`;
  return new URL(`file://${absolute}`).href;
}

/**
 * Where a compiled binary keeps a plugin built into it (`deno task compile:plugins`
 * embeds `plugins/`): a binary cannot load a module it was not built with.
 */
function embeddedFor(entry: string): string | null {
  // Only a compiled binary runs as something other than `deno`.
  const compiled = !/(^|\/)deno(\.exe)?$/.test(Deno.execPath());
  const name = entry.split("/").pop();
  return compiled && name ? new URL(`./plugins/${name}`, Deno.mainModule).href : null;
}

/**
 * A local file's specifier with its modification time: a reload imports a
 * changed file anew (a module is cached by its URL), an unchanged one not.
 */
function versioned(specifier: string): string {
  if (!specifier.startsWith("file:")) return specifier;
  try {
    return `${specifier}?v=${Deno.statSync(new URL(specifier)).mtime?.getTime() ?? 0}`;
  } catch {
    return specifier;
  }
}

async function importPlugin(entry: string): Promise<unknown> {
  try {
    return await import(versioned(specifierFor(entry)));
  } catch (err) {
    const embedded = embeddedFor(entry);
    const missing = /Module not found|No such file|not found/i.test((err as Error).message);
    if (!missing || !embedded || embedded === specifierFor(entry)) throw err;
    return await import(embedded).catch(() => Promise.reject(err));
  }
}

/** Imports every plugin, in order; a ConfigError lists each that failed. */
export async function loadPlugins(entries: string[]): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  const problems: string[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const module = await importPlugin(entry) as { default?: unknown };
      const problem = "default" in module
        ? pluginProblem(module.default)
        : "no default export (export default definePlugin({ … }))";
      if (problem) problems.push(`plugins.${i}: ${entry}: ${problem}`);
      else plugins.push(module.default as Plugin);
    } catch (err) {
      problems.push(
        `plugins.${i}: ${entry}: cannot load: ${(err as Error).message.split("\n")[0]}`,
      );
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return plugins;
}
