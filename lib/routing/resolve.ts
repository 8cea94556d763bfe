/**
 * Model name → deployments. An exact entry wins; otherwise the most specific
 * matching glob (most literal characters; ties go to the first in the file).
 */
import type { Config, ProviderConfig } from "../config/schema.ts";
import type { Api } from "../api.ts";
import type { ProviderAnswer, UpstreamCall } from "../providers/types.ts";
import { compileGlob, type Glob } from "../glob.ts";
import { NameCache } from "../name_cache.ts";
import type { HeaderPolicy } from "../transforms/headers.ts";

/** A configured provider, built. */
export interface ProviderEntry {
  name: string;
  config: ProviderConfig;
  /** The provider's header rules, compiled. */
  headers: HeaderPolicy;
  /** The wire APIs it speaks natively. */
  apis: readonly Api[];
  /** Sends a call: streamed when the call asks for a stream. */
  send(call: UpstreamCall): Promise<ProviderAnswer>;
}

/** One place a model can be served: a provider and the model name it is sent as. */
export interface Deployment {
  /** `provider/model` as configured; the key for cooldown and health. */
  id: string;
  provider: ProviderEntry;
  /** The upstream model; `*` keeps the client's model name. */
  model: string;
  /** Lower goes first; defaults to the position in the list. */
  priority: number;
  weight: number;
}

const GLOB_CHARS = /[*?]/;

export class ModelTable {
  readonly #exact = new Map<string, Deployment[]>();
  readonly #globs: { pattern: string; glob: Glob; deployments: Deployment[] }[] = [];
  /** Glob results by name. */
  readonly #cache = new NameCache<Deployment[] | null>();

  constructor(models: Config["models"], providers: Map<string, ProviderEntry>) {
    for (const [name, entry] of Object.entries(models)) {
      const list = (Array.isArray(entry) ? entry : [entry]).map((d, i): Deployment => {
        const spec = typeof d === "string"
          ? { provider: d.slice(0, d.indexOf("/")), model: d.slice(d.indexOf("/") + 1), weight: 1 }
          : d;
        return {
          id: `${spec.provider}/${spec.model}`,
          provider: providers.get(spec.provider)!,
          model: spec.model,
          priority: "priority" in spec && spec.priority !== undefined ? spec.priority : i,
          weight: spec.weight,
        };
      });
      // Sorted once here (stably: equal priorities keep the file's order), so routing need not.
      list.sort((a, b) => a.priority - b.priority);
      if (GLOB_CHARS.test(name)) {
        this.#globs.push({ pattern: name, glob: compileGlob(name), deployments: list });
      } else this.#exact.set(name, list);
    }
    const literal = (p: string) => p.replace(/[*?]/g, "").length;
    // Stable sort: equally specific globs keep the file's order.
    this.#globs.sort((a, b) => literal(b.pattern) - literal(a.pattern));
  }

  /** The deployments serving `model`, or undefined when no entry matches. */
  resolve(model: string): Deployment[] | undefined {
    const exact = this.#exact.get(model);
    if (exact) return exact;
    let found = this.#cache.get(model);
    if (found === undefined) {
      found = this.#globs.find((g) => g.glob.test(model))?.deployments ?? null;
      this.#cache.set(model, found);
    }
    return found ?? undefined;
  }

  /** Every configured name, globs included, for error messages. */
  names(): string[] {
    return [...this.#exact.keys(), ...this.#globs.map((g) => g.pattern)];
  }

  /** Exact names only: what `/v1/models` lists. */
  exactNames(): string[] {
    return [...this.#exact.keys()];
  }

  /** Every (model entry, deployments) pair, for health reports. */
  entries(): [string, Deployment[]][] {
    return [
      ...this.#exact.entries(),
      ...this.#globs.map((g): [string, Deployment[]] => [g.pattern, g.deployments]),
    ];
  }
}
