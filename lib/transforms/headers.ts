/**
 * Which client headers go upstream (SPEC §4 `headers`). Hop-by-hop headers and
 * client credentials never do; per provider, `allow`, `drop`, `add` and
 * `force` rules shape the rest; the provider adds its own auth after this.
 */
import type { HeaderRules } from "../config/schema.ts";

/** Recomputed for the upstream connection: never forwarded, never settable by rules. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
  "content-type",
  "accept-encoding",
]);

/** The client's credentials, and what is scoped to them. */
const CREDENTIALS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "openai-organization",
  "openai-project",
]);

/**
 * The client's headers minus hop-by-hop ones (those named in its `Connection`
 * header too: RFC 9110 §7.6.1), its credentials and our own `x-switchyard-*`.
 */
export function forwardableHeaders(client: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  const connection = client.get("connection");
  const named = connection ? connection.toLowerCase().split(",").map((t) => t.trim()) : null;
  client.forEach((value, name) => {
    if (
      !HOP_BY_HOP.has(name) && !CREDENTIALS.has(name) && !name.startsWith("x-switchyard-") &&
      !named?.includes(name)
    ) {
      out[name] = value;
    }
  });
  return out;
}

/** A provider's header rules with names in lower case; applying them is a no-op when there are none. */
export class HeaderPolicy {
  readonly #allow: Set<string> | null;
  readonly #drop: Set<string>;
  readonly #add: [string, string][];
  readonly #force: [string, string][];
  readonly empty: boolean;

  constructor(rules: HeaderRules) {
    const pairs = (o: Record<string, string>) =>
      Object.entries(o).map(([k, v]): [string, string] => [k.toLowerCase(), v]).filter(([k]) =>
        !HOP_BY_HOP.has(k)
      );
    this.#allow = rules.allow ? new Set(rules.allow.map((h) => h.toLowerCase())) : null;
    this.#drop = new Set(rules.drop.map((h) => h.toLowerCase()));
    this.#add = pairs(rules.add);
    this.#force = pairs(rules.force);
    this.empty = !this.#allow && this.#drop.size === 0 && this.#add.length === 0 &&
      this.#force.length === 0;
  }

  /** The forwarded headers as this provider wants them: allow, then drop, then add, then force. */
  apply(headers: Record<string, string>): Record<string, string> {
    if (this.empty) return headers;
    const out: Record<string, string> = {};
    for (const name in headers) {
      if ((this.#allow === null || this.#allow.has(name)) && !this.#drop.has(name)) {
        out[name] = headers[name];
      }
    }
    for (const [name, value] of this.#add) if (!(name in out)) out[name] = value;
    for (const [name, value] of this.#force) out[name] = value;
    return out;
  }
}
