import type { RoutingSettings } from "./settings.js";

type BreakerState = "closed" | "open" | "half_open";

/** What the router knows about one target (provider + model), updated after every attempt. */
export interface TargetStats {
  provider: string;
  model: string;
  breaker: BreakerState;
  /** EWMA of time to first token, ms (0 until a success is seen). */
  ttftMs: number;
  /** EWMA of the failure rate over recent attempts, 0..1. */
  errorRate: number;
  attempts: number;
  consecutiveFailures: number;
  inflight: number;
  /** Epoch ms before which the target should not be used (open breaker or a 429's retry-after). */
  unavailableUntil: number;
  /** Tokens the provider last said this deployment can still take in its window (-1: not said). */
  remainingTokens: number;
  /** Epoch ms when that window resets; the figure means nothing after it. */
  remainingResetAt: number;
}

const EWMA_ALPHA = 0.2;

/**
 * The live table of targets' health that routing reads (and that the WASM router slot will
 * receive). A circuit breaker per target: closed -> open after `consecutive_failures` failures
 * in a row or an error rate over `error_rate` (once `min_attempts` are seen); open -> half-open
 * after `open_ms`, when exactly one probe is let through. Every way a probe can end resolves the
 * half-open state, so a target never stays stuck in it: a success closes the breaker, a failure
 * reopens it, an answer that refuses the request (the provider's 4xx or 429: it is up) closes it,
 * and a probe that ends with no verdict (the caller cancelled, the gateway refused it before
 * sending) gives the probe back to the next request (`releaseProbe`).
 */
/**
 * Models tracked per provider. Direct `provider/model` names let a caller name any model, so the
 * table is bounded: past this many, a new model takes the place of the oldest idle one (no
 * request in flight, breaker closed), whose history is then forgotten.
 */
const MAX_MODELS_PER_PROVIDER = 1024;

function evictIdle(models: Map<string, TargetStats & { probing: boolean }>): void {
  for (const [model, stats] of models) {
    if (stats.inflight === 0 && stats.breaker === "closed" && !stats.probing) {
      models.delete(model);
      return;
    }
  }
}

export class HealthTable {
  /** provider -> model -> stats: two lookups of strings the caller already holds (their hashes are
   *  cached) instead of building a `provider/model` key on every call, several per request. */
  private readonly targets = new Map<string, Map<string, TargetStats & { probing: boolean }>>();

  constructor(
    private readonly policy: RoutingSettings["breaker"],
    private readonly now: () => number = Date.now,
  ) {}

  stats(provider: string, model: string): TargetStats & { probing: boolean } {
    let models = this.targets.get(provider);
    if (!models) this.targets.set(provider, (models = new Map()));
    let stats = models.get(model);
    if (!stats) {
      if (models.size >= MAX_MODELS_PER_PROVIDER) evictIdle(models);
      stats = { provider, model, breaker: "closed", ttftMs: 0, errorRate: 0, attempts: 0, consecutiveFailures: 0, inflight: 0, unavailableUntil: 0, remainingTokens: -1, remainingResetAt: 0, probing: false };
      models.set(model, stats);
    }
    return stats;
  }

  /**
   * Whether a target may take a request now. Moving an open breaker past its cool-down to
   * half-open, and handing out the single probe, happen here.
   */
  admit(provider: string, model: string): boolean {
    const s = this.stats(provider, model);
    const now = this.now();
    if (s.breaker === "open") {
      if (now < s.unavailableUntil) return false;
      s.breaker = "half_open";
      s.probing = false;
    }
    if (s.breaker === "half_open") {
      if (s.probing) return false;
      s.probing = true;
      return true;
    }
    return now >= s.unavailableUntil;
  }

  /** Whether a target could take a request now, without handing out a probe. */
  isAvailable(provider: string, model: string): boolean {
    const s = this.stats(provider, model);
    if (s.breaker === "half_open") return !s.probing;
    return this.now() >= s.unavailableUntil;
  }

  recordSuccess(provider: string, model: string, ttftMs: number): void {
    const s = this.stats(provider, model);
    s.attempts++;
    s.consecutiveFailures = 0;
    s.errorRate *= 1 - EWMA_ALPHA;
    s.ttftMs = s.ttftMs === 0 ? ttftMs : s.ttftMs + EWMA_ALPHA * (ttftMs - s.ttftMs);
    if (s.breaker !== "closed") {
      s.breaker = "closed";
      s.probing = false;
      s.unavailableUntil = 0;
    }
  }

  /** A failure that says the target is unhealthy (not the caller's mistake, not a cancel). */
  recordFailure(provider: string, model: string): void {
    const s = this.stats(provider, model);
    s.attempts++;
    s.consecutiveFailures++;
    s.errorRate = s.errorRate * (1 - EWMA_ALPHA) + EWMA_ALPHA;
    const p = this.policy;
    const tripped =
      s.breaker === "half_open" ||
      s.consecutiveFailures >= p.consecutiveFailures ||
      (s.attempts >= p.minAttempts && s.errorRate >= p.errorRate);
    if (tripped) {
      s.breaker = "open";
      s.probing = false;
      s.unavailableUntil = this.now() + p.openMs;
    }
  }

  /**
   * The provider answered but refused this request (its 400/404/422, the caller's mistake, or a
   * 429): the target is up. Neither a success nor a failure for the error rate; a half-open
   * breaker closes, as its probe got an answer (a 429's retry-after is kept by `coolDown`).
   */
  recordAnswered(provider: string, model: string): void {
    const s = this.stats(provider, model);
    if (s.breaker !== "half_open") return;
    s.breaker = "closed";
    s.probing = false;
    s.consecutiveFailures = 0;
    s.unavailableUntil = 0;
  }

  /**
   * The holder of a half-open target's probe is done without a verdict (cancelled by its caller,
   * refused by the gateway before it was sent, or left unrecorded): the next request may probe.
   * Nothing happens when the probe's outcome already closed or reopened the breaker.
   */
  releaseProbe(provider: string, model: string): void {
    const s = this.stats(provider, model);
    if (s.breaker === "half_open") s.probing = false;
  }

  /** A 429 with retry-after: keep traffic away for that long without counting a failure. */
  coolDown(provider: string, model: string, ms: number): void {
    const s = this.stats(provider, model);
    s.unavailableUntil = Math.max(s.unavailableUntil, this.now() + ms);
  }

  /** What the provider's rate-limit headers said on its latest response. */
  recordRateLimit(provider: string, model: string, remainingTokens: number, resetAtMs: number): void {
    const s = this.stats(provider, model);
    s.remainingTokens = remainingTokens;
    s.remainingResetAt = resetAtMs;
  }

  /**
   * The tokens a target can still take, as the router slot's `remaining_capacity`: 0 when unknown
   * (never said, or its window has reset since), else at least 1 (the wire's 0 means unknown, so
   * an exhausted deployment reads as 1 token left).
   */
  remainingCapacity(provider: string, model: string): number {
    const s = this.stats(provider, model);
    if (s.remainingTokens < 0 || this.now() >= s.remainingResetAt) return 0;
    return Math.max(1, s.remainingTokens);
  }

  snapshot(): TargetStats[] {
    return [...this.targets.values()].flatMap((models) => [...models.values()].map(({ probing: _, ...stats }) => ({ ...stats })));
  }
}
