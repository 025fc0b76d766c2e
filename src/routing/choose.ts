import type { Target } from "../pipeline/context.js";

/**
 * The routing decision: the order in which to try a model's targets. Today: one target drawn
 * by weight goes first, the others follow in configured order as fallbacks. Everything that
 * decides routing goes through this one function, so a smarter router (health, latency, the
 * WASM router slot) replaces it without touching the pipeline.
 */
export function orderTargets(candidates: readonly Target[], random: () => number = Math.random): Target[] {
  if (candidates.length <= 1) return candidates.slice();
  let total = 0;
  for (const t of candidates) total += t.weight;
  let pick = random() * total;
  let first = 0;
  for (let i = 0; i < candidates.length; i++) {
    pick -= candidates[i]!.weight;
    if (pick < 0) {
      first = i;
      break;
    }
  }
  return [candidates[first]!, ...candidates.filter((_, i) => i !== first)];
}
