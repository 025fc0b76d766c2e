import { describe, expect, it } from "vitest";
import { HealthTable } from "../../../src/routing/health.js";
import { RetryBudget } from "../../../src/routing/retry-budget.js";
import { backoffDelay } from "../../../src/routing/settings.js";

const breaker = { consecutiveFailures: 3, errorRate: 0.5, minAttempts: 10, openMs: 1000 };

describe("circuit breaker", () => {
  it("opens after consecutive failures, half-opens after open_ms with a single probe, closes on success", () => {
    let now = 0;
    const h = new HealthTable(breaker, () => now);
    for (let i = 0; i < 2; i++) h.recordFailure("p", "m");
    expect(h.admit("p", "m")).toBe(true);
    h.recordFailure("p", "m");
    expect(h.stats("p", "m").breaker).toBe("open");
    expect(h.admit("p", "m")).toBe(false);
    now = 1000;
    expect(h.admit("p", "m")).toBe(true); // the probe
    expect(h.stats("p", "m").breaker).toBe("half_open");
    expect(h.admit("p", "m")).toBe(false); // only one probe at a time
    h.recordSuccess("p", "m", 12);
    expect(h.stats("p", "m").breaker).toBe("closed");
    expect(h.admit("p", "m")).toBe(true);
  });

  it("a failed probe reopens it", () => {
    let now = 0;
    const h = new HealthTable(breaker, () => now);
    for (let i = 0; i < 3; i++) h.recordFailure("p", "m");
    now = 1500;
    expect(h.admit("p", "m")).toBe(true);
    h.recordFailure("p", "m");
    expect(h.stats("p", "m").breaker).toBe("open");
    expect(h.stats("p", "m").unavailableUntil).toBe(2500);
  });

  it("a probe the provider refuses as the caller's mistake (4xx) closes the breaker: the target is up", () => {
    let now = 0;
    const h = new HealthTable(breaker, () => now);
    for (let i = 0; i < 3; i++) h.recordFailure("p", "m");
    now = 1000;
    expect(h.admit("p", "m")).toBe(true); // the probe
    h.recordAnswered("p", "m");
    expect(h.stats("p", "m").breaker).toBe("closed");
    expect(h.stats("p", "m").consecutiveFailures).toBe(0);
    expect(h.admit("p", "m")).toBe(true);
    expect(h.admit("p", "m")).toBe(true);
  });

  it("a probe abandoned without a verdict (cancelled) hands the probe to the next request", () => {
    let now = 0;
    const h = new HealthTable(breaker, () => now);
    for (let i = 0; i < 3; i++) h.recordFailure("p", "m");
    now = 1000;
    expect(h.admit("p", "m")).toBe(true); // the probe
    expect(h.admit("p", "m")).toBe(false);
    h.releaseProbe("p", "m");
    expect(h.stats("p", "m").breaker).toBe("half_open");
    expect(h.isAvailable("p", "m")).toBe(true);
    expect(h.admit("p", "m")).toBe(true); // the next probe
    h.recordSuccess("p", "m", 5);
    expect(h.stats("p", "m").breaker).toBe("closed");
  });

  it("a refusal or release outside half-open changes nothing", () => {
    let now = 0;
    const h = new HealthTable(breaker, () => now);
    for (let i = 0; i < 3; i++) h.recordFailure("p", "m");
    h.recordAnswered("p", "m"); // a request admitted before the breaker opened
    h.releaseProbe("p", "m");
    expect(h.stats("p", "m").breaker).toBe("open");
    expect(h.admit("p", "m")).toBe(false);
    now = 1000;
    expect(h.admit("p", "m")).toBe(true);
    h.recordFailure("p", "m");
    h.releaseProbe("p", "m"); // the failed probe's holder lets go after its verdict
    expect(h.stats("p", "m").breaker).toBe("open");
    expect(h.admit("p", "m")).toBe(false);
  });

  it("opens on the error rate once enough attempts are seen", () => {
    const h = new HealthTable({ ...breaker, consecutiveFailures: 100 }, () => 0);
    for (let i = 0; i < 10; i++) {
      // one failure in three: under the 0.5 rate
      h.recordSuccess("p", "m", 5);
      h.recordSuccess("p", "m", 5);
      h.recordFailure("p", "m");
    }
    expect(h.stats("p", "m").breaker).toBe("closed");
    for (let i = 0; i < 4; i++) h.recordFailure("p", "m");
    expect(h.stats("p", "m").breaker).toBe("open");
  });

  it("keeps an EWMA of time to first token; a 429 cool-down is not a failure", () => {
    const h = new HealthTable(breaker, () => 0);
    h.recordSuccess("p", "m", 100);
    h.recordSuccess("p", "m", 200);
    expect(h.stats("p", "m").ttftMs).toBeCloseTo(120);
    h.coolDown("p", "m", 500);
    expect(h.isAvailable("p", "m")).toBe(false);
    expect(h.stats("p", "m").consecutiveFailures).toBe(0);
  });
});

describe("health table size", () => {
  it("stays bounded when callers name endless distinct models of one provider, keeping open breakers", () => {
    const h = new HealthTable(breaker, () => 0);
    for (let i = 0; i < 3; i++) h.recordFailure("p", "kept-open");
    expect(h.stats("p", "kept-open").breaker).toBe("open");
    for (let i = 0; i < 5000; i++) h.stats("p", `garbage-${i}`);
    const tracked = h.snapshot().filter((t) => t.provider === "p");
    expect(tracked.length).toBeLessThanOrEqual(1024);
    expect(tracked.some((t) => t.model === "kept-open" && t.breaker === "open")).toBe(true);
    expect(tracked.some((t) => t.model === "garbage-0")).toBe(false);
  });
});

describe("retry budget", () => {
  it("allows min + ratio * requests retries per 10 s, and refills as the window moves", () => {
    let now = 0;
    const b = new RetryBudget(0.2, 2, () => now);
    for (let i = 0; i < 10; i++) b.recordRequest();
    const granted = Array.from({ length: 10 }, () => b.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(4); // 2 + 0.2 * 10
    now = 11_000;
    expect(b.tryRetry()).toBe(true);
  });
});

describe("backoff", () => {
  it("doubles per retry with jitter in [0.5, 1.5)", () => {
    expect(backoffDelay(50, 0, () => 0)).toBe(25);
    expect(backoffDelay(50, 2, () => 0.999)).toBeCloseTo(299.8);
  });
});
