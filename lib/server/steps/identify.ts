/**
 * The identify step: who is calling (keys/keys.ts), or a 401 in the
 * endpoint's format. Open endpoints pass as anyone; admin endpoints refuse a
 * virtual key with 403. The key's name goes on the log line.
 */
import { ProxyError } from "../../errors.ts";
import { ANYONE, presentedKey } from "../../keys/keys.ts";
import { isLoopback } from "../../config/load.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

/** The key the caller presented: on Gemini's routes its `x-goog-api-key` or `?key=` too. */
export function presented(x: Exchange): string | null {
  return presentedKey(x.req.headers, x.format === "google" ? { query: x.query } : undefined);
}

export function identify(x: Exchange, next: Next): Promise<Answered> {
  const { rt, record } = x;
  const caller = x.endpoint!.open ? ANYONE : rt.keys.identify(presented(x), rt.clock());
  if (caller === null) {
    const how = x.format === "google"
      ? "'x-goog-api-key' or '?key='"
      : "'Authorization: Bearer <key>' or 'x-api-key'";
    throw new ProxyError(401, `missing or invalid proxy key: send ${how}`, "invalid_api_key");
  }
  if (caller === "expired") throw new ProxyError(401, "this key has expired", "expired_api_key");
  x.caller = caller;
  if (caller.name !== null) {
    record.key = caller.name;
    record.key_metadata = caller.kind === "key" ? caller.key.metadata : {};
  }
  if (x.endpoint!.admin && caller.kind === "key") {
    throw new ProxyError(403, "this route needs an admin key (server.api_keys)", "admin_only");
  }
  // With no key configured at all, anyone is admin: only where nobody else can reach.
  if (!rt.keys.enabled && x.path.startsWith("/admin/") && !isLoopback(rt.config.server.host)) {
    throw new ProxyError(
      403,
      "admin routes on a listener others can reach need server.api_keys",
      "admin_only",
    );
  }
  return next();
}
