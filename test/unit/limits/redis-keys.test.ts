/**
 * Redis Cluster needs every key a script touches to hash to one slot. The store keeps all keys
 * of a partition under its hash tag `{partition}`; this checks what a real run leaves in Redis.
 */
import { describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisLimitStore } from "../../../src/limits/redis-store.js";
import type { LimitScope } from "../../../src/core/principal.js";
import { useRedis } from "../../support/use-redis.js";

let redis: Redis;
useRedis((started) => ({ redis } = started));

describe("Redis keys", () => {
  it("live under the partition's hash tag, one reservation zset and one hash per scope", async () => {
    const store = new RedisLimitStore({ redis, keyPrefix: "kt" });
    const scopes: LimitScope[] = [
      { id: "key:acme-ci", label: "key acme-ci", partition: "acme", rpm: 10, tpm: 1000, budget: { dailyUsd: 5 } },
      { id: "tenant:acme", label: "tenant acme", partition: "acme", tpm: 5000, budget: { monthlyUsd: 50 } },
      { id: "deployment:openai-main", label: "deployment openai-main", partition: "openai-main", rpm: 100 },
    ];
    const held = await store.admit({ scopes, tokens: 100, estimatedCostUsd: 0.01 });
    const done = await store.admit({ scopes, tokens: 100, estimatedCostUsd: 0.01 });
    if (!held.ok || !done.ok) throw new Error("refused");
    await store.settle(done.reservation, { tokens: 80, costUsd: 0.002 });
    const keys = (await redis.keys("kt:*")).sort();
    expect(keys).toEqual([
      "kt:{acme}:rz",
      "kt:{acme}:s:key:acme-ci",
      "kt:{acme}:s:tenant:acme",
      "kt:{openai-main}:rz",
      "kt:{openai-main}:s:deployment:openai-main",
    ]);
    // The unsettled reservation carries its holds in its member; nothing else is stored for it.
    expect(await redis.zcard("kt:{acme}:rz")).toBe(1);
    expect(await store.outstanding()).toBe(2); // one per partition of the held reservation
    await store.release(held.reservation);
    expect(await store.outstanding()).toBe(0);
    expect((await store.budgetState(scopes[0]!)).daily).toEqual({ spentUsd: 0.002, heldUsd: 0 });
  });
});
