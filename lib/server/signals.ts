/**
 * The signals a switchyard process answers, one place for both the server
 * and the workers' supervisor: SIGTERM/SIGINT stop it (Windows has only
 * SIGINT), SIGHUP reloads it (where there is one).
 */
const WINDOWS = Deno.build.os === "windows";

/** Resolves with the first stop signal received. */
export function stopSignal(): Promise<Deno.Signal> {
  const signals: Deno.Signal[] = WINDOWS ? ["SIGINT"] : ["SIGTERM", "SIGINT"];
  return new Promise((resolve) => {
    for (const s of signals) Deno.addSignalListener(s, () => resolve(s));
  });
}

/** Calls `reload` on each SIGHUP. */
export function onReloadSignal(reload: () => void): void {
  if (!WINDOWS) Deno.addSignalListener("SIGHUP", reload);
}
