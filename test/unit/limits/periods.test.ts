/**
 * The Redis script computes budget days and months from Redis TIME with its own calendar code;
 * it must agree with periods.ts (used by the memory store) on month ends, leap years and
 * centuries. Probed through the public API: a tiny cap makes every settle cross, and the
 * crossing names the period; the refusal's retry-after gives the period end.
 */
import { describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisLimitStore } from "../../../src/limits/redis-store.js";
import { MemoryLimitStore } from "../../../src/limits/memory-store.js";
import { periodIds } from "../../../src/limits/periods.js";
import type { LimitStore } from "../../../src/limits/types.js";
import type { LimitScope } from "../../../src/core/principal.js";
import { useRedis } from "../../support/use-redis.js";

let redis: Redis;
useRedis((started) => ({ redis } = started));

const instants = [
  "2024-02-28T23:59:58.000Z",
  "2024-02-29T12:00:00.000Z",
  "2023-02-28T23:59:59.000Z",
  "2024-12-31T23:59:58.000Z",
  "2025-01-01T00:00:00.500Z",
  "2000-02-29T06:00:00.000Z",
  "2100-02-28T12:00:00.000Z",
  "2026-11-30T23:00:00.000Z",
  "1999-12-31T23:59:30.000Z",
];

describe.each(["memory", "redis"])("budget periods (%s)", (kind) => {
  it.each(instants)("agree with periods.ts at %s", async (iso) => {
    const target = Date.parse(iso);
    let store: LimitStore;
    let offset = 0;
    if (kind === "memory") store = new MemoryLimitStore({ now: () => Date.now() + offset });
    else store = new RedisLimitStore({ redis, keyPrefix: "periods", clockOffsetMs: () => offset });
    offset = target - Date.now();
    const scope: LimitScope = { id: `s-${iso}`, label: "s", partition: `p-${iso.replace(/[^0-9]/g, "")}`, budget: { dailyUsd: 1e-6, monthlyUsd: 1e-6 } };
    const a = await store.admit({ scopes: [scope], tokens: 1 });
    if (!a.ok) throw new Error(a.limit);
    const { crossings } = await store.settle(a.reservation, { tokens: 1, costUsd: 1 });
    const expected = periodIds(target);
    expect(crossings.map((c) => [c.period, c.periodId])).toEqual([
      ["daily", expected.dayId],
      ["monthly", expected.monthId],
    ]);
    const refusal = await store.admit({ scopes: [scope], tokens: 1 });
    // Both caps refuse; the longer wait is reported: the month's end (on a month's last day the
    // day ends at the same instant, so either may be named). The store's clock kept running.
    expect(refusal.ok).toBe(false);
    if (!refusal.ok) expect(expected.msToMonthEnd === expected.msToDayEnd ? ["budget_daily", "budget_monthly"] : ["budget_monthly"]).toContain(refusal.kind);
    if (!refusal.ok) expect(Math.abs(refusal.retryAfterS! - Math.ceil(expected.msToMonthEnd / 1000))).toBeLessThanOrEqual(2);
  });
});
