/** A fresh virtual key (SPEC §11): `sy-` and 40 base62 characters, and its SHA-256 for the config. */
import { createHash } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function newKey(): { secret: string; sha256: string } {
  let secret = "sy-";
  // Rejection sampling: 248 = 4 × 62, so every character is equally likely.
  while (secret.length < 43) {
    for (const byte of crypto.getRandomValues(new Uint8Array(48))) {
      if (byte < 248 && secret.length < 43) secret += BASE62[byte % 62];
    }
  }
  return { secret, sha256: keyDigest(secret) };
}

/** A key's SHA-256, hex: how keys are looked up, and what `key_sha256` holds. */
export function keyDigest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
