/**
 * The running config as `/admin/config` shows it (SPEC §13): every secret
 * masked — provider `api_key`s, `server.api_keys`, `keys[].key`,
 * `otel.headers`, header rule values that carry a credential, passwords in
 * URLs — and whatever else looks like a key, through the log's redactor.
 */
import { mask, SECRET_NAMES } from "../observe/redact.ts";

/** Header names whose values are credentials wherever a rule sets them. */
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|cookie)$/i;
/** Keys whose string values are secrets wherever they appear: the log's names, and the config's own. */
const SECRET_KEY = new RegExp(
  `^(${SECRET_NAMES}|key|token|secret_access_key|session_token)$`,
  "i",
);

export function maskedConfig(config: unknown, redact: (text: string) => string): unknown {
  const walk = (value: unknown, key: string, parent: string): unknown => {
    if (typeof value === "string") {
      if (SECRET_KEY.test(key) || parent === "api_keys" || parent === "otel.headers") {
        return value === "" ? "" : mask(value);
      }
      if (CREDENTIAL_HEADER.test(key)) return mask(value);
      return redact(withoutPassword(value));
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, "", key));
    if (value && typeof value === "object") {
      const path = parent === "otel" && key === "headers" ? "otel.headers" : key;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, walk(v, k, path)]),
      );
    }
    return value;
  };
  return walk(config, "", "");
}

/** `scheme://user:secret@host` → `scheme://user:***@host`. */
function withoutPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@/\s]+)@/i, "$1***@");
}
