/**
 * The order deployments are tried in: by priority, lowest first; within a
 * priority, by `routing.strategy` — a weighted random order (`priority`: 3:1
 * weights give about 3:1 first picks), the lowest recent time to first byte
 * (`latency`, deployments not heard from yet first), the fewest requests in
 * flight (`least_busy`), the cheapest price (`cost`, unpriced last). A failed
 * pick is followed by the rest of its group, then the next priority.
 */
import type { Config } from "../config/schema.ts";
import type { Deployment } from "./resolve.ts";
import type { DeploymentStats } from "./stats.ts";

export type Strategy = Config["routing"]["strategy"];

/**
 * True when some priority is shared, so the order must be drawn. Lists come
 * sorted by priority from the model table; most share none and are used as they are.
 */
function sharesPriority(deployments: readonly Deployment[]): boolean {
  for (let i = 1; i < deployments.length; i++) {
    if (deployments[i].priority === deployments[i - 1].priority) return true;
  }
  return false;
}

/** USD per million tokens, input and output together; unpriced: last. */
function priceOf(d: Deployment): number {
  const p = d.provider.config.price;
  return p ? p.input_per_mtok + p.output_per_mtok : Infinity;
}

/** What a strategy sorts a priority group by (lower first); `priority` has none. */
function rankBy(strategy: Strategy, stats: DeploymentStats): ((d: Deployment) => number) | null {
  if (strategy === "latency") return (d) => stats.latency(d.id) ?? -1;
  if (strategy === "least_busy") return (d) => stats.inFlight(d.id);
  if (strategy === "cost") return priceOf;
  return null;
}

/**
 * Groups in priority order; within each, weighted random (Efraimidis–Spirakis:
 * sort by u^(1/w)), then the strategy's rank, so its ties stay weighted. The
 * input is never reordered in place.
 */
export function tryOrder(
  deployments: readonly Deployment[],
  strategy: Strategy,
  stats: DeploymentStats,
  random: () => number = Math.random,
): readonly Deployment[] {
  if (!sharesPriority(deployments)) return deployments;
  const rank = rankBy(strategy, stats);
  return deployments
    .map((d) => ({ d, key: Math.pow(random(), 1 / d.weight), rank: rank?.(d) ?? 0 }))
    .sort((a, b) => a.d.priority - b.d.priority || a.rank - b.rank || b.key - a.key)
    .map((x) => x.d);
}
