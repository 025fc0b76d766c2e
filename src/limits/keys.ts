import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal } from "../core/principal.js";

/**
 * API keys are never stored: config and stores hold `sha256:<hex>` of the key. A presented key
 * is hashed and the digests are compared with `timingSafeEqual`, so the comparison time does
 * not depend on how much of a stored key the caller guessed.
 */
const KEY_PREFIX = "sk-sluice-";
const HASH_SCHEME = "sha256:";

/** Makes a new random API key (shown once) and the hash to store. */
export function newApiKey(): { key: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(24).toString("base64url");
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return HASH_SCHEME + hash("sha256", key, "hex");
}

/** Parses a stored `sha256:<64 hex>` hash into its digest; undefined when malformed. */
export function parseKeyHash(hash: string): Buffer | undefined {
  if (!hash.startsWith(HASH_SCHEME)) return undefined;
  const hex = hash.slice(HASH_SCHEME.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  return Buffer.from(hex, "hex");
}

/** Constant-time equality of two 32-byte digests. */
function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The configured keys, looked up by the SHA-256 digest of the presented key. The map is keyed
 * by digest (an attacker cannot steer a digest's prefix, so the lookup leaks nothing useful)
 * and the match is confirmed with a constant-time comparison.
 */
export class KeyRing {
  private readonly byDigest = new Map<string, { digest: Buffer; grant: Principal }>();

  add(hash: string, grant: Principal): void {
    const digest = parseKeyHash(hash);
    if (!digest) throw new Error(`malformed key hash for key ${grant.keyId}`);
    this.byDigest.set(digest.toString("hex"), { digest, grant });
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The grant of a presented key, or undefined when the key is unknown. */
  verify(presented: string): Principal | undefined {
    // One-shot `hash` (UTF-8, like `update(key, "utf8")`): no Hash object per request, about
    // 2 µs less than createHash on every keyed request.
    const hex = hash("sha256", presented, "hex");
    const entry = this.byDigest.get(hex);
    if (!entry || !digestsEqual(entry.digest, Buffer.from(hex, "hex"))) return undefined;
    return entry.grant;
  }
}

/**
 * Compiles model patterns ("mock-*", "gem/gemini-2.0-*", "vllm/**", "gpt-4o") into one
 * predicate; empty (or a lone "*") means all. `*` matches within one `/`-separated part of a
 * name, never across a `/`, so `gem/gemini-2.0-*` does not admit `gem/gemini-2.0-x/../other`;
 * `**` matches across `/` (for provider model names that hold slashes).
 */
export function modelMatcher(patterns: readonly string[]): (model: string) => boolean {
  if (patterns.length === 0 || patterns.includes("*")) return () => true;
  const escaped = patterns.map((p) =>
    p
      .split("**")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
      .join(".*"),
  );
  const re = new RegExp(`^(?:${escaped.join("|")})$`);
  return (model) => re.test(model);
}
