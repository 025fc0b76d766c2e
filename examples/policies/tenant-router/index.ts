// Example router module: routes by the tenant's tags (policies.router; the host sends the key's
// and the request's tags as "key=value", `RouterRouteInput.tags`).
//   tag tier=premium   the strongest usable target first (the highest price), reason "premium"
//   tag tier=batch     the cheapest usable target first, reason "batch"
//   anything else       healthy targets first, in the alias's configured order
// Unhealthy targets (breaker open, error rate over 0.25) always go to the back.
// Build: `sluice policy build examples/policies/tenant-router`; test: `sluice policy test ...`.
import {
  runRouteWith, healthyFirst, hasTag, count, priceIn, priceOut, isUsable, moveToFront, reasonText, reasonId,
} from "@sluice/policy-sdk/router";
export { abi_version } from "@sluice/policy-sdk";

export function route(): i32 { return runRouteWith(byTenantTier); }

/** The usable candidate with the highest (strongest = true) or lowest total price, or -1. */
function byPrice(strongest: bool): i32 {
  let pick = -1;
  for (let c = 0; c < count; c++) {
    if (!isUsable(c)) continue;
    const price = priceIn[c] + priceOut[c];
    if (pick < 0) { pick = c; continue; }
    const best = priceIn[pick] + priceOut[pick];
    if (strongest ? price > best : price < best) pick = c;
  }
  return pick;
}

function byTenantTier(): void {
  healthyFirst();
  const premium = hasTag("tier=premium");
  if (!premium && !hasTag("tier=batch")) {
    reasonText("tenant-tier: default order");
    return;
  }
  const pick = byPrice(premium);
  if (pick < 0) {
    reasonText("tenant-tier: nothing usable");
    return;
  }
  moveToFront(pick);
  reasonText(premium ? "tenant-tier: premium -> " : "tenant-tier: batch -> ");
  reasonId(pick);
}
