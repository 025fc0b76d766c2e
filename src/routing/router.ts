import type { Target } from "../core/target.js";
import { HealthTable } from "./health.js";
import type { RoutingSettings } from "./settings.js";
import { RetryBudget } from "./retry-budget.js";

/**
 * Routing state shared by all requests: the health table, the retry budget and the policy.
 * `order` is the routing decision, kept in one function so that a smarter router (the WASM
 * router slot) can take it over: the targets that can take traffic now; with the "weighted"
 * strategy one drawn by weight goes first, with "ordered" the first in list order; the others
 * follow in configured order as fallbacks.
 */
export class Router {
  readonly health: HealthTable;
  readonly budget: RetryBudget;

  constructor(
    readonly policy: RoutingSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.health = new HealthTable(policy.breaker);
    this.budget = new RetryBudget(policy.retryBudgetRatio, policy.retryBudgetMin);
  }

  order(candidates: readonly Target[], strategy: "weighted" | "ordered"): Target[] {
    const available = candidates.filter((t) => this.health.isAvailable(t.provider.id, t.model));
    return strategy === "weighted" ? weightedFirst(available, this.random) : available;
  }
}

/** One target drawn by weight goes first; the rest follow in their given order. */
function weightedFirst(candidates: readonly Target[], random: () => number): Target[] {
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
