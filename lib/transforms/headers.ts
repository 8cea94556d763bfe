/**
 * Which client headers go upstream. Hop-by-hop headers and client credentials
 * never do; the provider adds its own auth after this.
 */

const NEVER_FORWARDED = new Set([
  // hop-by-hop, or recomputed for the upstream connection
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
  // the client's credentials, and what is scoped to them
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "openai-organization",
  "openai-project",
]);

/** The client's headers minus the ones never forwarded and our own `x-switchyard-*`. */
export function forwardableHeaders(client: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  client.forEach((value, name) => {
    if (!NEVER_FORWARDED.has(name) && !name.startsWith("x-switchyard-")) out[name] = value;
  });
  return out;
}
