/**
 * `server.watch` (SPEC §13): the config file and the plugin files it lists,
 * watched through their directories — editors and config maps replace a
 * file by renaming another over it, which a watch on the file itself would
 * lose. A burst of events (save, rename, write) is one change, told
 * `DEBOUNCE_MS` after the last of them.
 */
const DEBOUNCE_MS = 300;

export interface Watching {
  close(): void;
}

/** Calls `changed(paths)` with the watched files that changed in each burst. */
export function watchFiles(files: string[], changed: (paths: string[]) => void): Watching {
  const absolute = new Set(files.map((f) => (f.startsWith("/") ? f : `${Deno.cwd()}/${f}`)));
  const dirs = [...new Set([...absolute].map((f) => f.slice(0, f.lastIndexOf("/")) || "/"))];
  const watcher = Deno.watchFs(dirs, { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const seen = new Set<string>();
  (async () => {
    try {
      for await (const event of watcher) {
        const ours = event.paths.filter((p) => absolute.has(p));
        if (ours.length === 0) continue;
        for (const p of ours) seen.add(p);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const paths = [...seen];
          seen.clear();
          changed(paths);
        }, DEBOUNCE_MS);
      }
    } catch { /* closed */ }
  })();
  return {
    close() {
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
