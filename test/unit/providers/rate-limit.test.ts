// The providers' token rate-limit headers -> what the router slot sees as remaining capacity.
import { describe, expect, it } from "vitest";
import { readRateLimit } from "../../../src/providers/rate-limit.js";
import { HealthTable } from "../../../src/routing/health.js";

const NOW = Date.parse("2026-12-02T12:00:00Z");

describe("readRateLimit", () => {
  it("reads OpenAI's (and Azure OpenAI's) remaining tokens and Go-style reset durations", () => {
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "149984", "x-ratelimit-reset-tokens": "6m0s" }, NOW)).toEqual({ remainingTokens: 149984, resetAtMs: NOW + 360_000 });
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.5s" }, NOW)).toEqual({ remainingTokens: 0, resetAtMs: NOW + 1500 });
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "1h2m250ms" }, NOW)?.resetAtMs).toBe(NOW + 3_720_250);
    // no reset header, or one that is not a duration: a minute, the providers' window
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "10" }, NOW)?.resetAtMs).toBe(NOW + 60_000);
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "soon" }, NOW)?.resetAtMs).toBe(NOW + 60_000);
  });

  it("reads Anthropic's input-token limit first, then its combined token limit, with RFC 3339 resets", () => {
    const reset = "2026-12-02T12:00:30Z";
    expect(readRateLimit({
      "anthropic-ratelimit-input-tokens-remaining": "5000", "anthropic-ratelimit-input-tokens-reset": reset,
      "anthropic-ratelimit-tokens-remaining": "9000", "anthropic-ratelimit-tokens-reset": reset,
    }, NOW)).toEqual({ remainingTokens: 5000, resetAtMs: NOW + 30_000 });
    expect(readRateLimit({ "anthropic-ratelimit-tokens-remaining": "9000", "anthropic-ratelimit-tokens-reset": reset }, NOW)).toEqual({ remainingTokens: 9000, resetAtMs: NOW + 30_000 });
    // a reset in the past (clock skew) is not trusted: a minute from now
    expect(readRateLimit({ "anthropic-ratelimit-tokens-remaining": "1", "anthropic-ratelimit-tokens-reset": "2026-12-02T11:00:00Z" }, NOW)?.resetAtMs).toBe(NOW + 60_000);
  });

  it("ignores responses without the headers and values that are not counts", () => {
    expect(readRateLimit({}, NOW)).toBeUndefined();
    expect(readRateLimit({ "x-ratelimit-remaining-requests": "99" }, NOW)).toBeUndefined();
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "-5" }, NOW)).toBeUndefined();
    expect(readRateLimit({ "x-ratelimit-remaining-tokens": "lots" }, NOW)).toBeUndefined();
    expect(readRateLimit({ "anthropic-ratelimit-tokens-remaining": "1e9" }, NOW)).toBeUndefined();
  });
});

describe("HealthTable.remainingCapacity", () => {
  it("is 0 (unknown) until said and after the window resets; an exhausted target reads 1", () => {
    let now = NOW;
    const health = new HealthTable({ consecutiveFailures: 5, errorRate: 0.5, minAttempts: 10, openMs: 30_000 }, () => now);
    expect(health.remainingCapacity("p", "m")).toBe(0);
    health.recordRateLimit("p", "m", 1200, NOW + 1000);
    expect(health.remainingCapacity("p", "m")).toBe(1200);
    health.recordRateLimit("p", "m", 0, NOW + 1000);
    expect(health.remainingCapacity("p", "m")).toBe(1);
    now = NOW + 1000;
    expect(health.remainingCapacity("p", "m")).toBe(0);
    expect(health.remainingCapacity("p", "other")).toBe(0);
  });
});
