/**
 * Secrets never leave the process whole: every known key, bearer token and
 * `api_key`-like JSON field is shown as `sk-…abcd` (its first three and last
 * four characters) wherever text may reach a client, a log or a metric.
 */

/** The masked form of one secret. */
export function mask(secret: string): string {
  return secret.length <= 12 ? "…" : `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}

/** Names of fields that hold a secret, wherever they are (JSON bodies, the config). */
export const SECRET_NAMES =
  "api[_-]?key|apikey|x-api-key|authorization|proxy-authorization|access[_-]?token|secret|client[_-]?secret|password";
/** Values of JSON fields whose names say they hold a secret (group 1: up to the value, group 2: the value). */
const SECRET_FIELD = `("(?:${SECRET_NAMES})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)"`;
/** `Bearer <token>` anywhere in a text (group 3: "Bearer ", group 4: the token). */
const BEARER = `\\b(Bearer\\s+)([A-Za-z0-9._~+/=-]{8,})`;
/**
 * Keys by their well-known shapes, known to this config or not: OpenAI-style
 * `sk-…` (Anthropic's `sk-ant-…`, OpenRouter's `sk-or-…` included), Google's
 * `AIza…`, AWS access key ids, Groq's `gsk_…`, xAI's `xai-…`, and switchyard's own `sy-…`.
 */
const KEY_SHAPED =
  `\\b(?:sk-[A-Za-z0-9_-]{20,}|AIza[A-Za-z0-9_-]{30,}|AKIA[A-Z0-9]{16}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|sy-[A-Za-z0-9]{20,})`;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Masks the known secrets, bearer tokens and secret-named fields of a text in
 * one regex pass (batches of log lines are long: one scan, not one per kind).
 */
export class Redactor {
  readonly #pattern: RegExp;
  readonly #masked = new Map<string, string>();

  constructor(secrets: Iterable<string>) {
    const known = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) =>
      b.length - a.length
    );
    for (const s of known) this.#masked.set(s, mask(s));
    const alternatives = [SECRET_FIELD, BEARER, ...known.map(escape), KEY_SHAPED];
    this.#pattern = new RegExp(alternatives.join("|"), "gi");
  }

  /** `s` with every secret masked (a bound function: handed around as a callback). */
  readonly text = (s: string): string =>
    s.replace(
      this.#pattern,
      (match: string, head?: string, value?: string, bearer?: string, token?: string) => {
        if (head !== undefined) return `${head}${this.#hide(value!)}"`;
        if (bearer !== undefined) return bearer + this.#hide(token!);
        return this.#masked.get(match) ?? this.#hide(match);
      },
    );

  /** A secret's masked form; a value masked already (or a known key inside it) stays as it is. */
  #hide(value: string): string {
    if (value.includes("…")) return value;
    for (const [secret, masked] of this.#masked) {
      if (value.includes(secret)) return value.replaceAll(secret, masked);
    }
    return mask(value);
  }
}
