/**
 * The splitter (SPEC §8): for a request that gets one, a companion request
 * — the splitter's prompt around what the person wrote — runs beside the
 * main one; its text joins the main answer after a separator.
 */
import type { Api } from "../api.ts";
import { DEFAULT_MAX_TOKENS } from "../api.ts";
import type { SplitterConfig } from "../config/schema.ts";
import { compileGlob, type Glob, matchesAny } from "../glob.ts";
import type { CompanionStore } from "../state/types.ts";
import { noCompanionBecause, personText } from "./rules.ts";

/** The request header that turns the companion off for one request. */
export const OPT_OUT_HEADER = "x-switchyard-splitter";

/** The client APIs a companion can join. */
const APIS: ReadonlySet<Api> = new Set(["chat", "messages", "responses"]);

/** The splitter as configured, ready to match requests. */
export class Splitter {
  readonly #models: Glob[];

  /** `sent`: the companions it sent, to recognise in the history clients replay. */
  constructor(readonly config: SplitterConfig, readonly sent: CompanionStore) {
    this.#models = config.models.map(compileGlob);
  }

  /** True when requests of this API for this model may get a companion. */
  serves(api: Api, model: string, headers: Headers): boolean {
    return APIS.has(api) && matchesAny(this.#models, model) &&
      headers.get(OPT_OUT_HEADER)?.toLowerCase() !== "off";
  }

  /**
   * What the companion corrects in this request, or why there is none: the
   * person's own words, when the answer is one a companion may join.
   */
  companionFor(body: Record<string, unknown>): { text: string } | { skip: string } {
    const skip = noCompanionBecause(body);
    if (skip) return { skip };
    const text = personText(body);
    return text ? { text } : { skip: "no words of the person's to correct" };
  }

  /**
   * The API the companion asks in: the client's, but chat for a Responses
   * client (every provider serves chat; only its text is used).
   */
  companionApi(api: Api): Api {
    return api === "responses" ? "chat" : api;
  }

  /** The companion's request body, in `companionApi`'s format. */
  companionBody(api: Api, text: string, stream: boolean): Record<string, unknown> {
    const prompt = this.config.prompt.replaceAll("{message}", text);
    const { model, temperature } = this.config;
    const body: Record<string, unknown> = {
      model,
      messages: [{ role: "user", content: prompt }],
      temperature,
      stream,
    };
    if (api === "messages") body.max_tokens = DEFAULT_MAX_TOKENS;
    return body;
  }
}
