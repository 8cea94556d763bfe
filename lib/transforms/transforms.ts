/**
 * The configured `transforms`, compiled once: which apply to a model (globs,
 * cached per name), and applying them — to the request before it is sent, to
 * the answer's text on the way back.
 */
import type { TransformConfig } from "../config/schema.ts";
import { compileGlob, type Glob, matchesAny } from "../glob.ts";
import { NameCache } from "../name_cache.ts";
import type { Api } from "../api.ts";
import { dropPath, setPath } from "./jsonpath.ts";
import { applyRegexRules, type RegexRule } from "./regex.ts";
import { literalPrefix, type ResponseRule } from "./response_regex.ts";

interface Compiled {
  models?: Glob[];
  regex: RegexRule[];
  drop: string[];
  set: [string, unknown][];
  response: ResponseRule[];
}

const NO_RULES: readonly ResponseRule[] = [];

export class Transforms {
  readonly #all: Compiled[];
  readonly #byModel = new NameCache<Compiled[]>();

  constructor(config: TransformConfig[]) {
    this.#all = config.map((t) => ({
      models: t.models?.map(compileGlob),
      regex: t.regex.map((r) => ({
        re: new RegExp(r.pattern, r.flags),
        replace: r.replace,
        roles: r.roles ? new Set(r.roles) : undefined,
      })),
      drop: t.jsonpath?.drop ?? [],
      set: Object.entries(t.jsonpath?.set ?? {}),
      response: t.response_regex.map((r) => {
        const ignoreCase = r.flags.includes("i");
        const prefix = literalPrefix(r.pattern);
        return {
          re: new RegExp(r.pattern, r.flags),
          replace: r.replace,
          prefix: ignoreCase ? prefix.toLowerCase() : prefix,
          ignoreCase,
        };
      }),
    }));
  }

  /** True when some transform has request rules (regex or JSONPath). */
  get any(): boolean {
    return this.#all.some((t) => t.regex.length > 0 || t.drop.length > 0 || t.set.length > 0);
  }

  /** The transforms that apply to `model`, in config order. */
  #for(model: string): Compiled[] {
    if (this.#all.length === 0) return this.#all;
    let found = this.#byModel.get(model);
    if (!found) {
      found = this.#all.filter((t) => matchesAny(t.models, model));
      this.#byModel.set(model, found);
    }
    return found;
  }

  /** Applies request transforms in order; true when the body changed (it can no longer go out byte for byte). */
  applyToRequest(api: Api, model: string, body: Record<string, unknown>): boolean {
    let changed = false;
    for (const t of this.#for(model)) {
      if (t.regex.length && applyRegexRules(api, body, t.regex)) changed = true;
      for (const path of t.drop) if (dropPath(body, path)) changed = true;
      for (const [path, value] of t.set) if (setPath(body, path, value)) changed = true;
    }
    return changed;
  }

  /** The `response_regex` rules for `model`, in order. */
  responseRules(model: string): readonly ResponseRule[] {
    const applicable = this.#for(model);
    return applicable.length === 0 ? NO_RULES : applicable.flatMap((t) => t.response);
  }
}
