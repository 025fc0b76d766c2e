import { describe, expect, it } from "vitest";
import { KeyRing, hashApiKey, modelMatcher, newApiKey, parseKeyHash } from "../../../src/limits/keys.js";

describe("API keys", () => {
  it("new keys are random, prefixed, and their hash verifies", () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^sk-sluice-[A-Za-z0-9_-]{32}$/);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(parseKeyHash(a.hash)).toHaveLength(32);
  });

  it("the key ring finds a key by its hash only", () => {
    const ring = new KeyRing();
    const { key, hash } = newApiKey();
    ring.add(hash, { tenant: "acme", keyId: "k1", mayUse: () => true, scopes: [], tags: {} });
    expect(ring.verify(key)?.tenant).toBe("acme");
    expect(ring.verify(key + "x")).toBeUndefined();
    expect(ring.verify(hash)).toBeUndefined(); // the stored hash is not a key
    expect(ring.verify("")).toBeUndefined();
  });

  it("model patterns", () => {
    const m = modelMatcher(["mock-*", "gpt-4o"]);
    expect(m("mock-echo")).toBe(true);
    expect(m("gpt-4o")).toBe(true);
    expect(m("gpt-4o-mini")).toBe(false);
    expect(m("amock-echo")).toBe(false);
    expect(modelMatcher([])("anything")).toBe(true);
    expect(modelMatcher(["a.b"])("axb")).toBe(false); // dots are literal
  });
});

describe("key comparison timing", () => {
  it("does not depend on how much of a real key a guess shares", () => {
    const ring = new KeyRing();
    const real = newApiKey();
    ring.add(real.hash, { tenant: "t", keyId: "k", mayUse: () => true, scopes: [], tags: {} });
    for (let i = 0; i < 500; i++) ring.add(newApiKey().hash, { tenant: "t", keyId: `k${i}`, mayUse: () => true, scopes: [], tags: {} });
    const nearMiss = real.key.slice(0, -1) + (real.key.endsWith("A") ? "B" : "A"); // all but the last char right
    const farMiss = "sk-sluice-" + "z".repeat(real.key.length - 10);
    const time = (key: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) ring.verify(key);
      return Number(process.hrtime.bigint() - start);
    };
    // Interleave the batches so load changes hit both alike; compare medians.
    const near: number[] = [];
    const far: number[] = [];
    for (let round = 0; round < 15; round++) {
      near.push(time(nearMiss));
      far.push(time(farMiss));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(near) / median(far);
    expect(ring.verify(nearMiss)).toBeUndefined();
    // A byte-by-byte compare would make the near miss measurably slower; hashing first means
    // both cost one SHA-256 and one map lookup. Bounds are loose for a shared CI machine.
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});
