/**
 * An OAuth access token for a Google service account (Vertex AI): a JWT
 * signed with the account's key (RS256, by `jose`) is exchanged at the
 * key file's `token_uri`; the token is reused until five minutes before it
 * expires, one exchange at a time however many requests ask. Neither the key
 * nor the token is ever logged.
 */
import { importPKCS8, SignJWT } from "jose";
import { UpstreamFailure } from "../errors.ts";

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** A token this close to its end is replaced before use. */
const MARGIN_MS = 5 * 60_000;

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  token_uri: string;
}

/** Reads and checks a service-account key file; a problem names the file, never its content. */
export function readServiceAccount(path: string): ServiceAccount {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Deno.readTextFileSync(path));
  } catch (err) {
    throw new Error(
      `cannot read the service-account file ${path}: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  for (const key of ["client_email", "private_key", "token_uri"]) {
    if (typeof json[key] !== "string") {
      throw new Error(`${path} is not a service-account key: no '${key}'`);
    }
  }
  return json as unknown as ServiceAccount;
}

export class GoogleTokens {
  #token: { value: string; until: number } | undefined;
  #fetching: Promise<string> | undefined;

  constructor(readonly account: ServiceAccount, readonly now: () => number = Date.now) {}

  /** A valid access token, fetched when there is none or it is about to expire. */
  get(): Promise<string> {
    if (this.#token && this.#token.until - MARGIN_MS > this.now()) {
      return Promise.resolve(this.#token.value);
    }
    this.#fetching ??= this.#fetch().finally(() => this.#fetching = undefined);
    return this.#fetching;
  }

  async #fetch(): Promise<string> {
    const { client_email, private_key, token_uri } = this.account;
    try {
      const key = await importPKCS8(private_key, "RS256");
      const now = Math.floor(this.now() / 1000);
      const assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader({ alg: "RS256", typ: "JWT" })
        .setIssuer(client_email)
        .setAudience(token_uri)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(key);
      const r = await fetch(token_uri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await r.json().catch(() => ({}));
      if (!r.ok || typeof body.access_token !== "string") {
        throw new Error(
          `${token_uri} answered ${r.status}: ${
            String(body.error_description ?? body.error ?? "")
          }`,
        );
      }
      this.#token = {
        value: body.access_token,
        until: this.now() + Number(body.expires_in ?? 3600) * 1000,
      };
      return body.access_token;
    } catch (err) {
      throw new UpstreamFailure(
        "network",
        `cannot get a Google access token: ${(err as Error).message}`,
      );
    }
  }
}

/** One token cache per service account: providers on the same key share their token. */
const shared = new Map<string, GoogleTokens>();

export function tokensFor(account: ServiceAccount): GoogleTokens {
  const id = `${account.client_email}\n${account.token_uri}\n${account.private_key}`;
  let tokens = shared.get(id);
  if (!tokens) shared.set(id, tokens = new GoogleTokens(account));
  return tokens;
}
