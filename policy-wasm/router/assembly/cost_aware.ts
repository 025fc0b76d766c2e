// The default router rule: cost-aware, with health and latency guards.
//
//   1. Every candidate gets a tier:
//        0  good
//        1  degraded: error_rate > 0.25, or slow: its latency EWMA is known and more than 3x
//           the fastest known latency among the healthy candidates with error_rate <= 0.25,
//           and at least 200 ms above it, or short of capacity: its remaining capacity is known
//           (the provider's rate-limit headers) and smaller than this request's expected tokens
//           (input estimate + 256 output), so it would likely answer 429
//        2  unhealthy (healthy = false: breaker open or cooling down)
//   2. Expected cost = price_input_per_mtok * max(input_token_estimate, 1)
//                    + price_output_per_mtok * 256 (a typical answer; the output is unknown)
//   3. Order: tier, then expected cost, then lower known latency, then the configured order.
//      Every candidate is listed (pushed back, never dropped): the host drops open breakers.
//   4. Reason: "cost-aware: <first> cheapest healthy; pushed back: <id> (<why>), ..."
import {
  count, order, orderLen, healthy, latencyMs, errorRate, priceIn, priceOut, inputTokens, capacity,
  orderAsGiven, reasonText, reasonId,
} from "../../sdk/router";

export const MAX_ERROR_RATE: f32 = 0.25;
export const SLOW_FACTOR: f32 = 3;
export const SLOW_MARGIN_MS: f32 = 200;
export const EXPECTED_OUTPUT_TOKENS: f64 = 256;

const TIER_GOOD: i32 = 0, TIER_DEGRADED: i32 = 1, TIER_UNHEALTHY: i32 = 2;
const tier = new StaticArray<i32>(64);
const cost = new StaticArray<f64>(64);

/** Whether candidate `c` is healthy and its error rate is acceptable. */
export function usable(c: i32): bool {
  return unchecked(healthy[c]) && unchecked(errorRate[c]) <= MAX_ERROR_RATE;
}

/** Whether candidate `c` said it has fewer tokens left than this request is expected to take. */
export function shortOfCapacity(c: i32): bool {
  const left = unchecked(capacity[c]);
  return left > 0 && <f64>left < <f64>inputTokens + EXPECTED_OUTPUT_TOKENS;
}

/** Expected cost of candidate `c` for this request (USD * 1e6; only the ranking matters). */
export function expectedCost(c: i32): f64 {
  const tokens: f64 = inputTokens > 0 ? <f64>inputTokens : 1;
  return unchecked(priceIn[c]) * tokens + unchecked(priceOut[c]) * EXPECTED_OUTPUT_TOKENS;
}

function before(a: i32, b: i32): bool {
  const ta = unchecked(tier[a]), tb = unchecked(tier[b]);
  if (ta != tb) return ta < tb;
  const ca = unchecked(cost[a]), cb = unchecked(cost[b]);
  if (ca != cb) return ca < cb;
  const la = unchecked(latencyMs[a]), lb = unchecked(latencyMs[b]);
  if (la > 0 && lb > 0 && la != lb) return la < lb;
  return a < b; // configured order
}

/** Fills `order` (every candidate) and the reason with the default rule. */
export function costAwareOrder(): void {
  let fastest: f32 = 0;
  for (let c = 0; c < count; c++) {
    const l = unchecked(latencyMs[c]);
    if (usable(c) && l > 0 && (fastest == 0 || l < fastest)) fastest = l;
  }
  for (let c = 0; c < count; c++) {
    const l = unchecked(latencyMs[c]);
    const slow = fastest > 0 && l > fastest * SLOW_FACTOR && l - fastest >= SLOW_MARGIN_MS;
    unchecked(tier[c] = !unchecked(healthy[c]) ? TIER_UNHEALTHY : unchecked(errorRate[c]) > MAX_ERROR_RATE || slow || shortOfCapacity(c) ? TIER_DEGRADED : TIER_GOOD);
    unchecked(cost[c] = expectedCost(c));
  }
  orderAsGiven();
  for (let i = 1; i < orderLen; i++) { // insertion sort: a handful of candidates, stable
    const c = unchecked(order[i]);
    let k = i;
    while (k > 0 && before(c, unchecked(order[k - 1]))) { unchecked(order[k] = order[k - 1]); k--; }
    unchecked(order[k] = c);
  }
  if (orderLen == 0) { reasonText("cost-aware: no candidates"); return; }
  reasonText("cost-aware: ");
  reasonId(unchecked(order[0]));
  reasonText(unchecked(tier[order[0]]) == TIER_GOOD ? " cheapest healthy" : " least bad (none healthy)");
  let pushed = 0;
  for (let k = 0; k < orderLen; k++) {
    const c = unchecked(order[k]);
    const t = unchecked(tier[c]);
    if (t == TIER_GOOD) continue;
    reasonText(pushed == 0 ? "; pushed back: " : ", ");
    reasonId(c);
    reasonText(t == TIER_UNHEALTHY ? " (unhealthy)" : unchecked(errorRate[c]) > MAX_ERROR_RATE ? " (error rate)" : shortOfCapacity(c) ? " (capacity)" : " (slow)");
    pushed++;
  }
}
