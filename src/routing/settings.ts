import type { RoutingConfig } from "../gen/sluice/v1/config_pb.js";

/** The `routing` config section with every default filled in (documented in config.proto): retries, backoff, retry budget, breakers. */
export interface RoutingSettings {
  maxAttempts: number;
  retriesPerTarget: number;
  backoffMs: number;
  maxRetryAfterMs: number;
  retryBudgetRatio: number;
  retryBudgetMin: number;
  breaker: { consecutiveFailures: number; errorRate: number; minAttempts: number; openMs: number };
}

export function routingSettings(config: RoutingConfig | undefined): RoutingSettings {
  const b = config?.breaker;
  return {
    maxAttempts: config?.maxAttempts || 4,
    retriesPerTarget: config?.retriesPerTarget ?? 1,
    backoffMs: config?.backoffMs || 50,
    maxRetryAfterMs: config?.maxRetryAfterMs || 2000,
    retryBudgetRatio: config?.retryBudgetRatio || 0.2,
    retryBudgetMin: config?.retryBudgetMin || 20,
    breaker: {
      consecutiveFailures: b?.consecutiveFailures || 5,
      errorRate: b?.errorRate || 0.5,
      minAttempts: b?.minAttempts || 20,
      openMs: b?.openMs || 10_000,
    },
  };
}

/** Jittered exponential backoff: base * 2^retry, times a random factor in [0.5, 1.5). */
export function backoffDelay(baseMs: number, retry: number, random: () => number = Math.random): number {
  return baseMs * 2 ** retry * (0.5 + random());
}
