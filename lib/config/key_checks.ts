/**
 * What the schema cannot see about virtual keys (SPEC §11): names and
 * secrets used twice, model globs that match no model (problems); budgets
 * that cannot be counted — a reachable deployment without a price, spend
 * kept only in memory (warnings).
 */
import { compileGlob } from "../glob.ts";
import { keyDigest as sha256 } from "../keys/new_key.ts";
import type { Config } from "./schema.ts";

type Path = (string | number)[];
export interface Finding {
  path: Path;
  message: string;
}

/** Duplicate names and secrets, globs that match no configured model; on the raw input, like the other cross-checks. */
export function keyProblems(raw: Record<string, unknown>): Finding[] {
  const keys = Array.isArray(raw.keys) ? raw.keys as Record<string, unknown>[] : [];
  const models = raw.models && typeof raw.models === "object" ? Object.keys(raw.models) : [];
  const anyGlob = models.some((m) => /[*?]/.test(m));
  const problems: Finding[] = [];
  const names = new Map<string, number>();
  const secrets = new Map<string, number>();
  const admin = new Set(
    ((raw.server as { api_keys?: unknown } | undefined)?.api_keys as string[] | undefined ?? [])
      .filter((k) => typeof k === "string" && k !== "").map(sha256),
  );
  keys.forEach((k, i) => {
    if (!k || typeof k !== "object") return;
    if (typeof k.name === "string") {
      const first = names.get(k.name);
      if (first !== undefined) {
        problems.push({ path: ["keys", i, "name"], message: `'${k.name}' is also keys.${first}` });
      } else names.set(k.name, i);
    }
    const digest = typeof k.key === "string"
      ? sha256(k.key)
      : typeof k.key_sha256 === "string"
      ? k.key_sha256.toLowerCase()
      : null;
    if (digest !== null) {
      const field = typeof k.key === "string" ? "key" : "key_sha256";
      const first = secrets.get(digest);
      if (first !== undefined) {
        problems.push({ path: ["keys", i, field], message: `the same key as keys.${first}` });
      } else if (admin.has(digest)) {
        problems.push({
          path: ["keys", i, field],
          message: "the same key as one of server.api_keys",
        });
      } else secrets.set(digest, i);
    }
    if (Array.isArray(k.models) && !anyGlob) {
      k.models.forEach((g, j) => {
        if (typeof g !== "string") return;
        const glob = compileGlob(g);
        if (!models.some((m) => glob.test(m))) {
          problems.push({
            path: ["keys", i, "models", j],
            message: `'${g}' matches no model in models`,
          });
        }
      });
    }
  });
  return problems;
}

/** Budgets that cannot be counted in full, or kept: said by `check`, never refused. */
export function keyWarnings(config: Config): Finding[] {
  const warnings: Finding[] = [];
  const entries = Object.entries(config.models);
  const budgeted = config.keys.flatMap((k, i) => (k.budget ? [i] : []));
  // Said once, on the first budget: a thousand keys make one warning, not a thousand.
  if (budgeted.length > 0 && config.state.url === "memory:") {
    const others = budgeted.length > 1 ? ` (and ${budgeted.length - 1} more keys' budgets)` : "";
    warnings.push({
      path: ["keys", budgeted[0], "budget"],
      message:
        `spend is kept in this process's memory and lost on restart${others} (state.url: memory:; sqlite:PATH or redis:// keep it)`,
    });
  }
  config.keys.forEach((k, i) => {
    if (!k.budget) return;
    const globs = (k.models ?? ["*"]).map(compileGlob);
    const unpriced = new Set<string>();
    for (const [name, spec] of entries) {
      // A glob entry may serve any of the key's models.
      if (!/[*?]/.test(name) && !globs.some((g) => g.test(name))) continue;
      for (const d of Array.isArray(spec) ? spec : [spec]) {
        const provider = typeof d === "string" ? d.slice(0, d.indexOf("/")) : d.provider;
        if (!config.providers[provider]?.price) unpriced.add(provider);
      }
    }
    if (unpriced.size) {
      warnings.push({
        path: ["keys", i, "budget"],
        message: `no price on ${
          [...unpriced].map((p) => `providers.${p}`).join(", ")
        }, which this key may reach: what it spends there is not counted`,
      });
    }
  });
  return warnings;
}

/** True when some key or deployment has a limit or a budget: counters that must not be multiplied. */
function hasLimits(config: Config): boolean {
  const keyed = config.keys.some((k) =>
    k.rpm !== undefined || k.tpm !== undefined || k.max_parallel !== undefined || k.budget
  );
  return keyed ||
    Object.values(config.models).some((spec) =>
      (Array.isArray(spec) ? spec : [spec]).some((d) =>
        typeof d !== "string" && (d.rpm !== undefined || d.tpm !== undefined)
      )
    );
}

/** Several workers counting limits each on their own would multiply every limit by their number. */
export function stateProblems(config: Config): Finding[] {
  const { workers, port } = config.server;
  const many = workerCount(workers) > 1;
  if (many && port === 0) {
    return [{
      path: ["server", "port"],
      message: "workers share one port: give it (0 would give each its own)",
    }];
  }
  if (!many || /^rediss?:/.test(config.state.url) || !hasLimits(config)) return [];
  return [{
    path: ["server", "workers"],
    message:
      `${workers} workers with limits or budgets need a shared store (state.url: redis://…): on ${config.state.url} each worker would count its own, multiplying every limit`,
  }];
}

/** How many workers `server.workers` means on this machine. */
export function workerCount(workers: number | "auto"): number {
  return workers === "auto" ? navigator.hardwareConcurrency : workers;
}
