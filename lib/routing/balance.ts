/**
 * The order deployments are tried in: by priority, lowest first; within a
 * priority, a weighted random order, so 3:1 weights give about 3:1 first picks
 * and a failed pick is followed by the rest of its group.
 */
import type { Deployment } from "./resolve.ts";

/**
 * A weighted random permutation (Efraimidis–Spirakis: sort by u^(1/w)), groups
 * in priority order. The input is never reordered in place.
 */
export function tryOrder(
  deployments: readonly Deployment[],
  random: () => number = Math.random,
): Deployment[] {
  if (deployments.length === 1) return [deployments[0]];
  return deployments
    .map((d) => ({ d, key: Math.pow(random(), 1 / d.weight) }))
    .sort((a, b) => a.d.priority - b.d.priority || b.key - a.key)
    .map((x) => x.d);
}
