/**
 * One shared ticker for every in-flight deadline (upstream timeouts, body read
 * timeouts): registering a check is a list insert, where a timer per deadline
 * costs a setTimeout and a clearTimeout each. Deadlines fire within one tick.
 */

/** Resolution of every timeout in the proxy. */
export const TICK_MS = 25;

type Check = (now: number) => void;

interface Entry {
  check: Check | null;
  prev: Entry | null;
  next: Entry | null;
}

// A doubly linked list rather than a Set: measured here, churning young
// closures through a long-lived Set made every scavenge promote them.
let head: Entry | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  const now = Date.now();
  for (let e = head; e;) {
    const next = e.next; // read first: the check may remove its entry
    e.check?.(now);
    e = next;
  }
  if (head === null) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Calls `check(now)` every tick until the returned function is called. */
export function watch(check: Check): () => void {
  const entry: Entry = { check, prev: null, next: head };
  if (head) head.prev = entry;
  head = entry;
  if (timer === undefined) {
    timer = setInterval(tick, TICK_MS);
    // A pending deadline alone must not keep the process alive.
    Deno.unrefTimer(timer as unknown as number);
  }
  return () => {
    if (entry.check === null) return;
    entry.check = null;
    if (entry.prev) entry.prev.next = entry.next;
    else head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    // A removed entry may already be in old space: left pointing at young
    // neighbours, it would keep them (and their requests) alive past scavenges.
    entry.prev = entry.next = null;
  };
}
