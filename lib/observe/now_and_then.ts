/**
 * A warning that may repeat thousands of times a second (connections
 * refused, a store down) said at most once a minute, with how many times it
 * happened since it was last said.
 */
const EVERY_MS = 60_000;

export function nowAndThen(say: (message: string) => void): (message: string) => void {
  let lastSaid = -Infinity;
  let untold = 0;
  return (message) => {
    untold++;
    const now = Date.now();
    if (now - lastSaid < EVERY_MS) return;
    say(untold > 1 ? `${message} (${untold} times since the last warning)` : message);
    lastSaid = now;
    untold = 0;
  };
}
