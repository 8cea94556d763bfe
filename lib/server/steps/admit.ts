/**
 * The admit step (SPEC §11): a virtual key's request is admitted — or
 * refused, reaching nothing upstream and costing nothing — in one decision,
 * once its model is final. An admitted request holds a slot until its
 * answer has ended, however it ends; its answer carries the key's
 * `x-ratelimit-*` headers in place of the provider account's.
 */
import { RATE_LIMIT_HEADERS } from "../../keys/admission.ts";
import type { Answered, Exchange, Next } from "../exchange.ts";

export async function admit(x: Exchange, next: Next): Promise<Answered> {
  const caller = x.caller!;
  if (caller.kind !== "key") return await next();
  // Counting a prompt's tokens runs no model: the model rule holds, no window or slot is used.
  if (x.api === "count_tokens") {
    x.rt.admission.check(caller.key, x.request!.model);
    return await next();
  }
  const ticket = await x.rt.admission.admit(caller.key, x.request!.model);
  let answered: Answered;
  try {
    answered = await next();
  } catch (err) {
    ticket.release();
    throw err;
  }
  const { headers } = answered.response;
  if (caller.key.limited) {
    for (const name of RATE_LIMIT_HEADERS) headers.delete(name);
    for (const [name, value] of Object.entries(ticket.headers)) headers.set(name, value);
  }
  if (!answered.ended) {
    ticket.release();
    return answered;
  }
  return { ...answered, ended: answered.ended.finally(ticket.release) };
}
