/** `GET /admin/keys` and `/admin/keys/NAME` (SPEC §11): each key's limits, usage and spend — never its secret. */
import { ProxyError } from "../../errors.ts";
import type { Exchange } from "../exchange.ts";

export async function listKeys(x: Exchange): Promise<Response> {
  const { keys, admission } = x.rt;
  const reports = await Promise.all([...keys.byName.values()].map((k) => admission.report(k)));
  return Response.json({ keys: reports });
}

export async function showKey(x: Exchange): Promise<Response> {
  const name = x.path.slice("/admin/keys/".length);
  const key = x.rt.keys.byName.get(name);
  if (!key) throw new ProxyError(404, `no key named '${name}'`, "unknown_key");
  return Response.json(await x.rt.admission.report(key));
}
