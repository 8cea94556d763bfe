/**
 * The order deployments are tried in: by priority, lowest first; within a
 * priority, a weighted random order, so 3:1 weights give about 3:1 first picks
 * and a failed pick is followed by the rest of its group.
 */
import type { Deployment } from "./resolve.ts";

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

/**
 * A weighted random permutation (Efraimidis–Spirakis: sort by u^(1/w)), groups
 * in priority order. The input is never reordered in place.
 */
export function tryOrder(
  deployments: readonly Deployment[],
  random: () => number = Math.random,
): readonly Deployment[] {
  if (!sharesPriority(deployments)) return deployments;
  return deployments
    .map((d) => ({ d, key: Math.pow(random(), 1 / d.weight) }))
    .sort((a, b) => a.d.priority - b.d.priority || b.key - a.key)
    .map((x) => x.d);
}
