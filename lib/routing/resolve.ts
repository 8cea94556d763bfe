/**
 * Model name → deployments. An exact entry wins; otherwise the most specific
 * matching glob (most literal characters; ties go to the first in the file).
 */
import type { Config, ProviderConfig } from "../config/schema.ts";
import type { Api } from "../api.ts";
import type { Provider } from "../providers/types.ts";
import { compileGlob, type Glob } from "../glob.ts";
import { NameCache } from "../name_cache.ts";
import type { HeaderPolicy } from "../transforms/headers.ts";

/** A configured provider, built. */
export interface ProviderEntry {
  name: string;
  config: ProviderConfig;
  /** The provider's header rules, compiled. */
  headers: HeaderPolicy;
  /** The wire APIs it speaks natively (the implementation's). */
  apis: readonly Api[];
  /** The implementation: a built-in provider type's, or a plugin's. */
  impl: Provider;
}

/** One place a model can be served: a provider and the model name it is sent as. */
export interface Deployment {
  /** `provider/model` as configured; the key for cooldown and health. */
  id: string;
  provider: ProviderEntry;
  /** The upstream model; `*` keeps the client's model name. */
  model: string;
  /**
   * Lower goes first; defaults to the position in the list — or, under a
   * strategy other than `priority`, to 0, so the strategy orders them.
   */
  priority: number;
  weight: number;
  /** The deployment's own limits (its account's quota), per minute. */
  rpm?: number;
  tpm?: number;
}

const GLOB_CHARS = /[*?]/;

/** A model entry's deployments, and those of them that serve each API (worked out once). */
interface Entry {
  deployments: Deployment[];
  byApi: Map<Api, Deployment[]>;
}

export class ModelTable {
  readonly #exact = new Map<string, Entry>();
  readonly #globs: { pattern: string; glob: Glob; entry: Entry }[] = [];
  /** Glob results by name. */
  readonly #cache = new NameCache<Entry | null>();

  /**
   * `serves`: whether a deployment can serve an API (natively, or translated
   * when allowed); `ranked`: a strategy orders deployments whose priority was not given.
   */
  constructor(
    models: Config["models"],
    providers: Map<string, ProviderEntry>,
    readonly serves: (d: Deployment, api: Api) => boolean,
    ranked = false,
  ) {
    for (const [name, spec] of Object.entries(models)) {
      const list = (Array.isArray(spec) ? spec : [spec]).map((d, i): Deployment => {
        const one = typeof d === "string"
          ? { provider: d.slice(0, d.indexOf("/")), model: d.slice(d.indexOf("/") + 1), weight: 1 }
          : d;
        const given = "priority" in one ? one.priority : undefined;
        return {
          id: `${one.provider}/${one.model}`,
          provider: providers.get(one.provider)!,
          model: one.model,
          priority: given ?? (ranked ? 0 : i),
          weight: one.weight,
          rpm: "rpm" in one ? one.rpm : undefined,
          tpm: "tpm" in one ? one.tpm : undefined,
        };
      });
      // Sorted once here (stably: equal priorities keep the file's order), so routing need not.
      list.sort((a, b) => a.priority - b.priority);
      const entry: Entry = { deployments: list, byApi: new Map() };
      if (GLOB_CHARS.test(name)) {
        this.#globs.push({ pattern: name, glob: compileGlob(name), entry });
      } else this.#exact.set(name, entry);
    }
    const literal = (p: string) => p.replace(/[*?]/g, "").length;
    // Stable sort: equally specific globs keep the file's order.
    this.#globs.sort((a, b) => literal(b.pattern) - literal(a.pattern));
  }

  #entry(model: string): Entry | undefined {
    const exact = this.#exact.get(model);
    if (exact) return exact;
    let found = this.#cache.get(model);
    if (found === undefined) {
      found = this.#globs.find((g) => g.glob.test(model))?.entry ?? null;
      this.#cache.set(model, found);
    }
    return found ?? undefined;
  }

  /** Every deployment of `model`, or undefined when no entry matches. */
  resolve(model: string): Deployment[] | undefined {
    return this.#entry(model)?.deployments;
  }

  /**
   * The deployments of `model` that serve `api` (all of them when every one
   * does); undefined when no entry matches, empty when none serves it.
   */
  serving(model: string, api: Api): Deployment[] | undefined {
    const entry = this.#entry(model);
    if (!entry) return undefined;
    let list = entry.byApi.get(api);
    if (!list) {
      const all = entry.deployments;
      list = all.every((d) => this.serves(d, api)) ? all : all.filter((d) => this.serves(d, api));
      entry.byApi.set(api, list);
    }
    return list;
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
      ...[...this.#exact.entries()].map((
        [name, e],
      ): [string, Deployment[]] => [name, e.deployments]),
      ...this.#globs.map((g): [string, Deployment[]] => [g.pattern, g.entry.deployments]),
    ];
  }
}
