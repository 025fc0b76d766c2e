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
    ring.add(hash, { tenant: "acme", keyId: "k1", mayUse: () => true });
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
