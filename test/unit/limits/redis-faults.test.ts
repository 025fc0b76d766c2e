/**
 * Redis killed mid-test and restarted (a real redis-server, SIGKILL): fail-closed refuses with a
 * clear error, fail-open serves from local counters and reconciles the spend when Redis is back;
 * nothing throws out of settle/release, and calls fail fast instead of hanging.
 */
import { describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisLimitStore } from "../../../src/limits/redis-store.js";
import { ResilientLimitStore } from "../../../src/limits/resilient-store.js";
import { StoreUnavailableError, type AdmitResult, type Reservation } from "../../../src/limits/types.js";
import { type LimitScope } from "../../../src/core/principal.js";
import type { TestRedis } from "../../support/redis.js";
import { useRedis } from "../../support/use-redis.js";

let server: TestRedis;
let redis: Redis;
const unavailable: StoreUnavailableError[] = [];

useRedis((started) => ({ server, redis } = started));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ok(r: AdmitResult): Reservation {
  if (!r.ok) throw new Error(`refused: ${r.limit}`);
  return r.reservation;
}

async function outage<T>(during: () => Promise<T>): Promise<T> {
  await server.kill();
  await until("client to notice", () => redis.status !== "ready");
  try {
    return await during();
  } finally {
    await server.restart();
    await until("client to reconnect", () => redis.status === "ready");
  }
}

describe("Redis faults", () => {
  it("fail-closed: refuses fast with StoreUnavailableError, queues settles, replays them", async () => {
    const primary = new RedisLimitStore({ redis, keyPrefix: "closed" });
    const store = new ResilientLimitStore({ primary, mode: "fail-closed", redis, onUnavailable: (e) => unavailable.push(e) });
    const scope: LimitScope = { id: "tenant:c", label: "tenant c", partition: "c", rpm: 100, budget: { dailyUsd: 100 } };
    const before = ok(await store.admit({ scopes: [scope], tokens: 10, estimatedCostUsd: 0.01 }));

    await outage(async () => {
      const started = performance.now();
      const err = await store.admit({ scopes: [scope], tokens: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(/limits store \(Redis\) unavailable during admit/);
      // The request admitted before the outage finishes: its accounting is queued, not thrown.
      await expect(store.settle(before, { tokens: 10, costUsd: 0.5 })).resolves.toEqual({ crossings: [] });
      expect(store.pending()).toBe(1);
    });

    // Restarted empty (no persistence): the replay still records the spend.
    await until("replay", async () => (await store.flush()) === 0);
    expect((await store.budgetState(scope)).daily.spentUsd).toBeCloseTo(0.5, 9);
    expect(await store.outstanding(["c"])).toBe(0);
    await store.close();
  });

  it("fail-open: serves from local counters during the outage and reconciles spend after", async () => {
    const primary = new RedisLimitStore({ redis, keyPrefix: "open" });
    const crossings: string[] = [];
    const store = new ResilientLimitStore({
      primary,
      mode: "fail-open",
      redis,
      reconcileIntervalMs: 50,
      onReplayCrossings: (cs) => crossings.push(...cs.map((c) => `${c.scopeId} ${c.period} ${c.threshold}`)),
    });
    const tenant: LimitScope = { id: "tenant:o", label: "tenant o", partition: "o", rpm: 3, budget: { dailyUsd: 1, softThresholds: [0.5] } };
    const key: LimitScope = { id: "key:o1", label: "key o1", partition: "o", budget: { monthlyUsd: 100 } };
    const scopes = [key, tenant];

    const inFlight = ok(await store.admit({ scopes, tokens: 10 }));
    await store.settle(ok(await store.admit({ scopes, tokens: 10 })), { tokens: 10, costUsd: 0.1 });
    // A key whose daily budget Redis has seen exhausted.
    const spent: LimitScope = { id: "key:o-spent", label: "key o-spent", partition: "o", budget: { dailyUsd: 0.01 } };
    await store.settle(ok(await store.admit({ scopes: [spent], tokens: 1 })), { tokens: 1, costUsd: 0.02 });
    expect(await store.admit({ scopes: [spent], tokens: 1 })).toMatchObject({ ok: false, kind: "budget_daily" });

    await outage(async () => {
      // Local counting still enforces the limits: 3 rpm from an empty local bucket.
      const local = [];
      for (let i = 0; i < 3; i++) local.push(ok(await store.admit({ scopes, tokens: 10 })));
      expect(local.every((r) => r.origin === "local")).toBe(true);
      expect(await store.admit({ scopes, tokens: 10 })).toMatchObject({ ok: false, kind: "rpm", limit: "tenant o rpm" });
      await store.settle(local[0]!, { tokens: 10, costUsd: 0.2 });
      await store.settle(local[1]!, { tokens: 10, costUsd: 0.3 });
      await store.release(local[2]!);
      await store.settle(inFlight, { tokens: 10, costUsd: 0.05 });
      expect(store.pending()).toBe(3); // the queued settle + spend of two scopes
      // The outage does not reopen a spent budget.
      expect(await store.admit({ scopes: [spent], tokens: 1 })).toMatchObject({ ok: false, kind: "budget_daily", limit: "key o-spent daily budget" });
    });

    // The timer (or the `ready` event) replays without being asked.
    await until("automatic replay", () => store.pending() === 0);
    // Redis restarted empty: it holds exactly what was replayed (0.05 queued + 0.5 local).
    expect((await store.budgetState(tenant)).daily.spentUsd).toBeCloseTo(0.55, 9);
    expect((await store.budgetState(key)).monthly.spentUsd).toBeCloseTo(0.55, 9);
    expect(crossings).toContain("tenant:o daily 0.5");
    expect(await store.outstanding(["o"])).toBe(0);
    // Back on Redis: admissions are shared again.
    expect(ok(await store.admit({ scopes, tokens: 10 })).origin).toBe("redis");
    await store.close();
  });

  it("a hung Redis (SIGSTOP) costs one bounded timeout, then the breaker serves locally", async () => {
    const primary = new RedisLimitStore({ redis, keyPrefix: "hung" });
    const store = new ResilientLimitStore({ primary, mode: "fail-open", redis, breakerMs: 60_000 });
    const closed = new ResilientLimitStore({ primary, mode: "fail-closed", redis, breakerMs: 60_000 });
    const scopes: LimitScope[] = [{ id: "tenant:h", label: "tenant h", partition: "h", rpm: 1000 }];
    ok(await store.admit({ scopes, tokens: 1 }));
    server.pause();
    try {
      let t = performance.now();
      expect(ok(await store.admit({ scopes, tokens: 1 })).origin).toBe("local"); // after commandTimeout (250 ms)
      expect(performance.now() - t).toBeGreaterThanOrEqual(200);
      expect(performance.now() - t).toBeLessThan(2_000);
      t = performance.now();
      for (let i = 0; i < 20; i++) expect(ok(await store.admit({ scopes, tokens: 1 })).origin).toBe("local");
      expect(performance.now() - t).toBeLessThan(200); // breaker open: no more timeouts
      await expect(closed.admit({ scopes, tokens: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(closed.admit({ scopes, tokens: 1 })).rejects.toThrow(/not retried yet/);
    } finally {
      server.resume();
    }
    await store.close();
    await closed.close();
  });

  it("a down Redis never produces unhandled errors and the plain store throws the typed error", async () => {
    const primary = new RedisLimitStore({ redis, keyPrefix: "plain" });
    await outage(async () => {
      await expect(primary.admit({ scopes: [{ id: "x", label: "x", partition: "p", rpm: 1 }], tokens: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(primary.outstanding(["p"])).rejects.toBeInstanceOf(StoreUnavailableError);
    });
    expect(unavailable.length).toBeGreaterThan(0);
  });
});
