/**
 * Rate-limit algorithm: GCRA, the "generic cell rate algorithm" form of a token bucket.
 *
 * Why a token bucket and not a sliding window:
 * - It is what the providers themselves enforce (Anthropic documents a token bucket; OpenAI
 *   documents continuous replenishment), so a per-deployment limit set to the provider's quota
 *   behaves like the quota it protects.
 * - Reservations reconcile naturally: returning unused tokens moves the bucket back, an overrun
 *   puts it into debt that later requests wait out. A sliding window would have to remember which
 *   window each reservation was taken in.
 * - One number per limit (the theoretical arrival time, TAT), so the Redis script reads and
 *   writes one key per limit and the state expires by itself when idle.
 * - Retry-after is exact: the time until the bucket has room for this request.
 *
 * Semantics of "N per minute": the bucket holds N (burst = one full minute) and refills N per
 * 60 s continuously. Over any interval of length t, at most N + N*t/60s units are admitted.
 *
 * GCRA: emission interval T = 60000/N ms per unit, tolerance tau = 60000 ms. A request of cost c
 * is admitted when max(TAT, now) + c*T - now <= tau; then TAT becomes max(TAT, now) + c*T.
 *
 * The Redis Lua script (redis-scripts.ts) implements the same arithmetic; keep them in step.
 */
const WINDOW_MS = 60_000;

/** Float slack so a request that exactly fills an empty bucket is admitted. */
const EPSILON_MS = 1e-6;

function emissionIntervalMs(perMinute: number): number {
  return WINDOW_MS / perMinute;
}

export interface TakeResult {
  allowed: boolean;
  /** New TAT if allowed. */
  tat: number;
  /** When refused: ms until the request would fit. */
  retryAfterMs: number;
}

export function gcraTake(tat: number, now: number, cost: number, perMinute: number): TakeResult {
  const t = emissionIntervalMs(perMinute);
  const next = Math.max(tat, now) + cost * t;
  const over = next - now - WINDOW_MS;
  if (over <= EPSILON_MS) return { allowed: true, tat: next, retryAfterMs: 0 };
  return { allowed: false, tat, retryAfterMs: over };
}

/** Gives back `units` (never fills the bucket past its capacity). */
export function gcraRefund(tat: number, now: number, units: number, perMinute: number): number {
  if (tat <= now) return tat;
  return Math.max(now, tat - units * emissionIntervalMs(perMinute));
}

/** Charges `units` without a check (an overrun already happened); may put the bucket in debt. */
export function gcraCharge(tat: number, now: number, units: number, perMinute: number): number {
  return Math.max(tat, now) + units * emissionIntervalMs(perMinute);
}

/** Tokens a scope reserves: the request's tokens capped at the scope's whole minute. */
export function cappedTokens(tokens: number, tpm: number): number {
  return Math.max(0, Math.min(Math.ceil(tokens), tpm));
}
