import { createHash } from "node:crypto";
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

  it("hashes are SHA-256 of the key's UTF-8 bytes, so hashes already stored in configs keep verifying", () => {
    // A pinned vector (`printf sk-sluice-test | sha256sum`), and Node's streaming hash as a second
    // implementation for a key outside ASCII.
    expect(hashApiKey("sk-sluice-test")).toBe("sha256:3da3c6227765663687b751dbba62ec96985d8b966491f2f59d8d0b4d2f38a6dc");
    const odd = "sk-sluice-ünï-😀";
    const stored = "sha256:" + createHash("sha256").update(Buffer.from(odd, "utf8")).digest("hex");
    expect(hashApiKey(odd)).toBe(stored);
    const ring = new KeyRing();
    ring.add(stored, { tenant: "acme", keyId: "k2", mayUse: () => true, scopes: [], tags: {} });
    expect(ring.verify(odd)?.keyId).toBe("k2");
    expect(ring.verify("sk-sluice-unï-😀")).toBeUndefined();
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

describe("key comparison", () => {
  // Timing is a benchmark's business (bench/limits: "key verify: near miss" against "far
  // miss"); what a test can pin down is that the ring never compares the presented key itself:
  // it holds digests only, so a guess sharing all but one character of a real key is as far
  // from matching as any other string.
  it("holds digests only and matches on the whole digest", () => {
    const ring = new KeyRing();
    const real = newApiKey();
    ring.add(real.hash, { tenant: "t", keyId: "k", mayUse: () => true, scopes: [], tags: {} });
    const held = JSON.stringify([...(ring as unknown as { byDigest: Map<string, unknown> }).byDigest]);
    expect(held).not.toContain(real.key.slice(10)); // the secret part of the key is nowhere
    const nearMiss = real.key.slice(0, -1) + (real.key.endsWith("A") ? "B" : "A");
    expect(ring.verify(nearMiss)).toBeUndefined();
    expect(ring.verify(real.key.toUpperCase() === real.key ? real.key.toLowerCase() : real.key.toUpperCase())).toBeUndefined();
    expect(ring.verify(real.key)?.keyId).toBe("k");
  });
});
