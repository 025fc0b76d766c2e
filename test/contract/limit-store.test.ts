/**
 * One contract suite, every LimitStore implementation: the in-memory store (injectable clock),
 * the Redis store on a real redis-server (clock offset added to Redis TIME), and the IPC store
 * of `--workers N` talking to a MemoryLimitStore in another, real process (forked; its clock
 * moved by messages). Time is pinned to noon UTC of today so budget days never roll over by
 * accident, and moved explicitly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { MemoryLimitStore } from "../../src/limits/memory-store.js";
import { RedisLimitStore } from "../../src/limits/redis-store.js";
import { ResilientLimitStore } from "../../src/limits/resilient-store.js";
import { IpcLimitStore } from "../../src/limits/ipc-store.js";
import { Channel } from "../../src/app/cluster/channel.js";
import { periodIds } from "../../src/limits/periods.js";
import type { AdmitResult, LimitStore, Reservation } from "../../src/limits/types.js";
import type { LimitScope } from "../../src/core/principal.js";
import { useRedis } from "../support/use-redis.js";

interface Harness {
  store: LimitStore;
  /** Moves the store's clock forward. */
  advance(ms: number): void;
  /** The store's notion of now (approximately; for period ids). */
  now(): number;
}

const DAY = 86_400_000;
const noonOffset = () => Math.floor(Date.now() / DAY) * DAY + DAY / 2 - Date.now();

let redis: Redis;

useRedis((started) => ({ redis } = started));

// The IPC store's far side: one owner process per harness, killed after the suite.
const owners: ChildProcess[] = [];
let ownerChannel: Channel;
beforeAll(async () => {
  const child = fork(fileURLToPath(new URL("../support/limit-store-owner.mjs", import.meta.url)), [], { stdio: "inherit" });
  owners.push(child);
  ownerChannel = new Channel(child);
  await new Promise<void>((resolve, reject) => {
    ownerChannel.on("ready", () => resolve());
    child.once("exit", (code) => reject(new Error(`limit-store-owner exited with ${code} (run npm run build first)`)));
  });
});
afterAll(() => {
  for (const child of owners) child.kill();
});

const implementations: Array<[string, () => Harness]> = [
  [
    "memory",
    () => {
      let offset = noonOffset();
      const now = () => Date.now() + offset;
      return { store: new MemoryLimitStore({ now }), advance: (ms) => (offset += ms), now };
    },
  ],
  [
    "redis",
    () => {
      let offset = noonOffset();
      const store = new RedisLimitStore({ redis, keyPrefix: `t${randomUUID().slice(0, 8)}`, clockOffsetMs: () => offset });
      return { store, advance: (ms) => (offset += ms), now: () => Date.now() + offset };
    },
  ],
  [
    // What a deployment with Redis runs: the fault wrapper must not change any behaviour.
    "redis behind ResilientLimitStore (fail-closed)",
    () => {
      let offset = noonOffset();
      const primary = new RedisLimitStore({ redis, keyPrefix: `w${randomUUID().slice(0, 8)}`, clockOffsetMs: () => offset });
      const store = new ResilientLimitStore({ primary, mode: "fail-closed", redis });
      return { store, advance: (ms) => (offset += ms), now: () => Date.now() + offset };
    },
  ],
  [
    // `--workers N` without Redis: the counters live in another process (the cluster's primary).
    "ipc (counters in another process)",
    () => {
      let offset = noonOffset();
      // Events and calls share one ordered pipe: the clock moves before the next call arrives.
      ownerChannel.emit("clock.set", offset);
      const store = new IpcLimitStore((method, args) => ownerChannel.call(`limits.${method}`, args));
      return {
        store,
        advance: (ms) => {
          offset += ms;
          ownerChannel.emit("clock.advance", ms);
        },
        now: () => Date.now() + offset,
      };
    },
  ],
];

function ok(r: AdmitResult): Reservation {
  if (!r.ok) throw new Error(`expected admission, got refusal: ${r.limit}`);
  return r.reservation;
}

describe.each(implementations)("LimitStore contract: %s", (_name, make) => {
  let h: Harness;
  let tenant: string;
  const key = (extra: Partial<LimitScope> = {}): LimitScope => ({ id: `key:${tenant}-k`, label: `key ${tenant}-k`, partition: tenant, ...extra });
  const ten = (extra: Partial<LimitScope> = {}): LimitScope => ({ id: `tenant:${tenant}`, label: `tenant ${tenant}`, partition: tenant, ...extra });

  beforeAll(() => {
    h = make();
  });
  // A fresh tenant per test: no state leaks between tests.
  const fresh = () => (tenant = `t${randomUUID().slice(0, 8)}`);

  it("admits up to rpm, then refuses naming the limit with a retry-after", async () => {
    fresh();
    const scopes = [key({ rpm: 3 })];
    for (let i = 0; i < 3; i++) ok(await h.store.admit({ scopes, tokens: 1 }));
    const r = await h.store.admit({ scopes, tokens: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.limit).toBe(`key ${tenant}-k rpm`);
    expect(r.kind).toBe("rpm");
    expect(r.scopeId).toBe(`key:${tenant}-k`);
    expect(r.retryAfterS).toBeGreaterThanOrEqual(19);
    expect(r.retryAfterS).toBeLessThanOrEqual(20);
  });

  it("reserves tokens against tpm and computes the wait for the missing tokens", async () => {
    fresh();
    const scopes = [ten({ tpm: 1000 })];
    ok(await h.store.admit({ scopes, tokens: 400 }));
    ok(await h.store.admit({ scopes, tokens: 400 }));
    const r = await h.store.admit({ scopes, tokens: 400 });
    expect(r).toMatchObject({ ok: false, kind: "tpm", limit: `tenant ${tenant} tpm` });
    // 200 tokens missing at 1000/min = 12 s.
    if (!r.ok) expect(r.retryAfterS).toBe(12);
  });

  it("is all or nothing: a refusing scope takes nothing from the others", async () => {
    fresh();
    ok(await h.store.admit({ scopes: [key({ rpm: 5 }), ten({ rpm: 1 })], tokens: 1 }));
    const r = await h.store.admit({ scopes: [key({ rpm: 5 }), ten({ rpm: 1 })], tokens: 1 });
    expect(r).toMatchObject({ ok: false, kind: "rpm", scopeId: `tenant:${tenant}` });
    // The key used 1 of 5: exactly 4 more fit.
    let admitted = 0;
    for (let i = 0; i < 6; i++) if ((await h.store.admit({ scopes: [key({ rpm: 5 })], tokens: 1 })).ok) admitted++;
    expect(admitted).toBe(4);
  });

  it("is all or nothing across partitions (tenant + deployment)", async () => {
    fresh();
    const dep: LimitScope = { id: `deployment:${tenant}-d`, label: "deployment d", partition: `${tenant}-dep`, rpm: 1 };
    const tenantTpm = ten({ tpm: 1000 });
    ok(await h.store.admit({ scopes: [tenantTpm, dep], tokens: 100 }));
    const r = await h.store.admit({ scopes: [tenantTpm, dep], tokens: 600 });
    expect(r).toMatchObject({ ok: false, scopeId: dep.id });
    // The tenant gave back the 600: 900 remain.
    ok(await h.store.admit({ scopes: [tenantTpm], tokens: 850 }));
    // Outstanding counts per partition: the first reservation spans two, the last one.
    expect(await h.store.outstanding([tenant, `${tenant}-dep`])).toBe(3);
    expect(await h.store.outstanding([`${tenant}-dep`])).toBe(1);
  });

  it("settle returns unused tokens and charges an overrun", async () => {
    fresh();
    const scopes = [ten({ tpm: 1000 })];
    const a = ok(await h.store.admit({ scopes, tokens: 600 }));
    await h.store.settle(a, { tokens: 100, costUsd: 0 });
    ok(await h.store.admit({ scopes, tokens: 850 })); // 100 + 850 <= 1000
    fresh();
    const b = ok(await h.store.admit({ scopes: [ten({ tpm: 1000 })], tokens: 100 }));
    await h.store.settle(b, { tokens: 700, costUsd: 0 });
    expect((await h.store.admit({ scopes: [ten({ tpm: 1000 })], tokens: 400 })).ok).toBe(false); // 700 used
    ok(await h.store.admit({ scopes: [ten({ tpm: 1000 })], tokens: 250 }));
  });

  it("caps a reservation at the scope's tpm and charges the overrun as debt", async () => {
    fresh();
    const scopes = [ten({ tpm: 1000 })];
    const a = ok(await h.store.admit({ scopes, tokens: 5000 }));
    expect(a.parts[0]?.scopes[0]?.reservedTokens).toBe(1000);
    await h.store.settle(a, { tokens: 2500, costUsd: 0 });
    const r = await h.store.admit({ scopes, tokens: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.retryAfterS).toBeGreaterThan(60); // 1500 tokens of debt = 90 s
  });

  it("release returns tokens; the request still counts for rpm", async () => {
    fresh();
    const scopes = [ten({ tpm: 1000, rpm: 2 })];
    const a = ok(await h.store.admit({ scopes, tokens: 800 }));
    await h.store.release(a);
    ok(await h.store.admit({ scopes, tokens: 1000 }));
    const r = await h.store.admit({ scopes, tokens: 1 });
    expect(r).toMatchObject({ ok: false, kind: "rpm" });
  });

  it("counts outstanding reservations; settle twice is a no-op; dead reservations expire", async () => {
    fresh();
    const scopes = [ten({ tpm: 10_000, budget: { dailyUsd: 10 } })];
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(ok(await h.store.admit({ scopes, tokens: 10, estimatedCostUsd: 1, ttlMs: 60_000 })));
    expect(await h.store.outstanding([tenant])).toBe(3);
    await h.store.settle(rs[0]!, { tokens: 10, costUsd: 0.5 });
    await h.store.settle(rs[0]!, { tokens: 10, costUsd: 0.5 });
    await h.store.release(rs[1]!);
    expect(await h.store.outstanding([tenant])).toBe(1);
    let state = await h.store.budgetState(ten());
    expect(state.daily.spentUsd).toBeCloseTo(0.5, 9);
    expect(state.daily.heldUsd).toBeCloseTo(1, 9);
    // The process holding rs[2] "dies": after its ttl the hold is returned.
    h.advance(61_000);
    expect(await h.store.outstanding([tenant])).toBe(0);
    state = await h.store.budgetState(ten());
    expect(state.daily.heldUsd).toBe(0);
    // A late settle of the expired reservation still records its spend.
    await h.store.settle(rs[2]!, { tokens: 10, costUsd: 0.25 });
    state = await h.store.budgetState(ten());
    expect(state.daily.spentUsd).toBeCloseTo(0.75, 9);
    expect(state.lifetime.spentUsd).toBeCloseTo(0.75, 9);
  });

  it("refuses at the hard budget cap, with retry-after until the period ends", async () => {
    fresh();
    const scopes = [key({ budget: { dailyUsd: 1 } })];
    await h.store.settle(ok(await h.store.admit({ scopes, tokens: 1 })), { tokens: 1, costUsd: 0.6 });
    await h.store.settle(ok(await h.store.admit({ scopes, tokens: 1 })), { tokens: 1, costUsd: 0.5 });
    const r = await h.store.admit({ scopes, tokens: 1 });
    expect(r).toMatchObject({ ok: false, kind: "budget_daily", limit: `key ${tenant}-k daily budget` });
    if (!r.ok) expect(r.retryAfterS).toBe(Math.ceil(periodIds(h.now()).msToDayEnd / 1000));
    // The amounts, so the refusal can say the budget is spent (used >= cap).
    expect(r).toMatchObject({ budget: { capUsd: 1, usedUsd: 1.1, requestUsd: 0 } });
  });

  it("a request whose worst-case cost exceeds what is left is refused with the amounts, though nothing is spent", async () => {
    fresh();
    const scopes = [ten({ budget: { dailyUsd: 0.5 } })];
    const r = await h.store.admit({ scopes, tokens: 1, estimatedCostUsd: 0.75 });
    expect(r).toMatchObject({ ok: false, kind: "budget_daily", budget: { capUsd: 0.5, usedUsd: 0, requestUsd: 0.75 } });
  });

  it("holds the estimated cost so concurrent requests cannot pass the cap together", async () => {
    fresh();
    const scopes = [ten({ budget: { monthlyUsd: 1 } })];
    const a = ok(await h.store.admit({ scopes, tokens: 1, estimatedCostUsd: 0.6 }));
    expect(await h.store.admit({ scopes, tokens: 1, estimatedCostUsd: 0.6 })).toMatchObject({ ok: false, kind: "budget_monthly" });
    await h.store.settle(a, { tokens: 1, costUsd: 0.1 });
    ok(await h.store.admit({ scopes, tokens: 1, estimatedCostUsd: 0.6 }));
  });

  it("a lifetime cap refuses with no retry-after", async () => {
    fresh();
    const scopes = [key({ budget: { lifetimeUsd: 0.01 } })];
    await h.store.settle(ok(await h.store.admit({ scopes, tokens: 1 })), { tokens: 1, costUsd: 0.02 });
    const r = await h.store.admit({ scopes, tokens: 1 });
    expect(r).toMatchObject({ ok: false, kind: "budget_lifetime" });
    if (!r.ok) expect(r.retryAfterS).toBeUndefined();
  });

  it("reports each soft threshold and the hard cap once, when crossed", async () => {
    fresh();
    const scopes = [ten({ budget: { dailyUsd: 1, monthlyUsd: 100, softThresholds: [0.5, 0.8] } })];
    const spend = async (usd: number) => (await h.store.settle(ok(await h.store.admit({ scopes, tokens: 1 })), { tokens: 1, costUsd: usd })).crossings;
    expect(await spend(0.4)).toEqual([]);
    const c1 = await spend(0.2);
    expect(c1).toEqual([
      { scopeId: `tenant:${tenant}`, label: `tenant ${tenant}`, period: "daily", periodId: periodIds(h.now()).dayId, threshold: 0.5, capUsd: 1, spentUsd: 0.6 },
    ]);
    expect(await spend(0.1)).toEqual([]);
    const c2 = await spend(0.3);
    expect(c2.map((c) => [c.period, c.threshold])).toEqual([
      ["daily", 0.8],
      ["daily", 1],
    ]);
    expect(c2[0]?.spentUsd).toBeCloseTo(1, 9);
    expect(await h.store.admit({ scopes, tokens: 1 })).toMatchObject({ ok: false, kind: "budget_daily" });
  });

  it("rejects invalid limits as programming errors, not refusals", async () => {
    fresh();
    await expect(h.store.admit({ scopes: [key({ rpm: 0 })], tokens: 1 })).rejects.toThrow(/rpm and tpm must be > 0/);
    await expect(h.store.admit({ scopes: [key({ tpm: Number.NaN })], tokens: 1 })).rejects.toThrow(/rpm and tpm/);
    await expect(h.store.admit({ scopes: [key()], tokens: Number.POSITIVE_INFINITY })).rejects.toThrow(/tokens/);
    await expect(h.store.admit({ scopes: [{ ...key(), partition: "a{b}" }], tokens: 1 })).rejects.toThrow(/partition/);
  });

  it("rolls rate windows and budget days over with the clock", async () => {
    fresh();
    const scopes = [key({ rpm: 2 })];
    ok(await h.store.admit({ scopes, tokens: 1 }));
    ok(await h.store.admit({ scopes, tokens: 1 }));
    expect((await h.store.admit({ scopes, tokens: 1 })).ok).toBe(false);
    h.advance(30_500); // one request's worth refilled
    ok(await h.store.admit({ scopes, tokens: 1 }));
    expect((await h.store.admit({ scopes, tokens: 1 })).ok).toBe(false);
    h.advance(61_000); // full bucket again, no more than its capacity
    ok(await h.store.admit({ scopes, tokens: 1 }));
    ok(await h.store.admit({ scopes, tokens: 1 }));
    expect((await h.store.admit({ scopes, tokens: 1 })).ok).toBe(false);

    const budget = [ten({ budget: { dailyUsd: 1, lifetimeUsd: 10 } })];
    await h.store.settle(ok(await h.store.admit({ scopes: budget, tokens: 1 })), { tokens: 1, costUsd: 1 });
    expect((await h.store.admit({ scopes: budget, tokens: 1 })).ok).toBe(false);
    h.advance(DAY);
    const next = ok(await h.store.admit({ scopes: budget, tokens: 1 }));
    await h.store.settle(next, { tokens: 1, costUsd: 0.25 });
    const state = await h.store.budgetState(ten());
    expect(state.daily.spentUsd).toBeCloseTo(0.25, 9);
    expect(state.lifetime.spentUsd).toBeCloseTo(1.25, 9);
  });
});
