/** Budget helpers shared by the memory store and (in Lua) the Redis script. */
import type { BudgetPeriod, LimitKind } from "./types.js";
import type { BudgetSpec } from "../core/principal.js";
import { toNano } from "./types.js";

export interface BudgetCap {
  period: BudgetPeriod;
  kind: LimitKind;
  capNano: number;
}

export function budgetCaps(spec: BudgetSpec | undefined): BudgetCap[] {
  if (!spec) return [];
  const caps: BudgetCap[] = [];
  if (spec.dailyUsd !== undefined) caps.push({ period: "daily", kind: "budget_daily", capNano: toNano(spec.dailyUsd) });
  if (spec.monthlyUsd !== undefined) caps.push({ period: "monthly", kind: "budget_monthly", capNano: toNano(spec.monthlyUsd) });
  if (spec.lifetimeUsd !== undefined) caps.push({ period: "lifetime", kind: "budget_lifetime", capNano: toNano(spec.lifetimeUsd) });
  return caps;
}

/** Sorted distinct thresholds in (0, 1], always including the hard cap (1). */
export function thresholdsOf(spec: BudgetSpec | undefined): number[] {
  const set = new Set<number>([1]);
  for (const t of spec?.softThresholds ?? []) if (t > 0 && t < 1) set.add(t);
  return [...set].sort((a, b) => a - b);
}

/** Thresholds crossed when spend moves from `before` to `after` (nano-USD). */
export function crossedThresholds(beforeNano: number, afterNano: number, capNano: number, thresholds: number[]): number[] {
  const out: number[] = [];
  for (const t of thresholds) {
    const line = t * capNano;
    if (beforeNano < line && afterNano >= line) out.push(t);
  }
  return out;
}

/** Hard-cap check at admit: refuse when the cap is reached or the hold would pass it. */
export function budgetRefuses(spentNano: number, heldNano: number, estimateNano: number, capNano: number): boolean {
  return spentNano + heldNano >= capNano || spentNano + heldNano + estimateNano > capNano;
}

export function limitName(label: string, kind: LimitKind): string {
  switch (kind) {
    case "rpm":
      return `${label} rpm`;
    case "tpm":
      return `${label} tpm`;
    case "budget_daily":
      return `${label} daily budget`;
    case "budget_monthly":
      return `${label} monthly budget`;
    case "budget_lifetime":
      return `${label} lifetime budget`;
  }
}
