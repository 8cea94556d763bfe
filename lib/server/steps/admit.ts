/**
 * The admit step (SPEC §11): a virtual key's request is admitted — or
 * refused, reaching nothing upstream and costing nothing — in one decision,
 * once its model is final. An admitted request holds a slot until its
 * answer has ended, however it ends; its answer carries the key's
 * `x-ratelimit-*` headers in place of the provider account's.
 */
import { APIS } from "../../api.ts";
import { RATE_LIMIT_HEADERS } from "../../keys/admission.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export async function admit(x: Exchange, next: Next): Promise<Answered> {
  const caller = x.caller!;
  if (caller.kind !== "key") return await next();
  // Counting a prompt's tokens runs no model: the model rule holds, no window or slot is used.
  if (APIS[x.api!].countsTokens) {
    x.rt.admission.check(caller.key, x.request!.model);
    return await next();
  }
  const admitted = x.rt.admission.admit(caller.key, x.request!.model);
  const ticket = admitted instanceof Promise ? await admitted : admitted;
  let answered: Answered;
  try {
    answered = await next();
  } catch (err) {
    ticket.release();
    throw err;
  }
  if (caller.key.limited) {
    // `set` replaces the provider's value; only names the key has no value for are deleted.
    const { headers } = answered.response;
    for (const name of RATE_LIMIT_HEADERS) {
      const value = ticket.headers[name];
      if (value !== undefined) headers.set(name, value);
      else headers.delete(name);
    }
  }
  if (!answered.ended) {
    ticket.release();
    return answered;
  }
  return { ...answered, ended: answered.ended.finally(ticket.release) };
}
