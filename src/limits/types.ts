/**
 * The limits API the pipeline calls: `admit` before dispatch, `settle` (or `release`) after the
 * response. Plain TypeScript types; config is mapped onto them by the caller.
 *
 * Refusals are data (the error catalog maps them); only an unreachable store in fail-closed mode
 * throws, as `StoreUnavailableError`.
 */

import type { LimitScope } from "../core/principal.js";

export interface AdmitRequest {
  scopes: LimitScope[];
  /**
   * Tokens to reserve: input estimate + max output tokens. Each scope caps the reservation at its
   * own tpm (a request bigger than a whole minute still gets through an empty bucket; its overrun
   * is charged at settle).
   */
  tokens: number;
  /** Estimated cost held against budgets until settle (0 when unknown). */
  estimatedCostUsd?: number;
  /** How long the reservation lives if never settled (process died). Default 10 minutes. */
  ttlMs?: number;
}

export type LimitKind = "rpm" | "tpm" | "budget_daily" | "budget_monthly" | "budget_lifetime";

export interface Refusal {
  ok: false;
  /** Names the limit for humans, e.g. `tenant acme tpm`, `key acme-ci daily budget`. */
  limit: string;
  scopeId: string;
  kind: LimitKind;
  /** Seconds until a retry can succeed; undefined when it never will (lifetime budget). */
  retryAfterS?: number;
  /**
   * A budget refusal's amounts: the cap, what is spent or held in the period, and the request's
   * worst-case cost, so the refusal can say whether the budget is spent or the request is too big for what is left.
   */
  budget?: { capUsd: number; usedUsd: number; requestUsd: number };
}

/** What a partition part of a reservation holds; opaque to callers. */
export interface ReservationPart {
  partition: string;
  /** Scopes of this partition with what was taken from each. */
  scopes: Array<{ scope: LimitScope; reservedTokens: number }>;
  /** Redis: the reservation's member in the partition's zset (carries its budget holds). */
  member?: string;
}

/** Handle returned by a successful admit; pass it back to `settle` or `release` once. */
export interface Reservation {
  id: string;
  /** Which store made it: `local` means the fail-open fallback counted it in memory. */
  origin: "memory" | "redis" | "local";
  expiresAtMs: number;
  estimatedCostUsd: number;
  parts: ReservationPart[];
  /** Set once settled or released; a second settle is a no-op. */
  done?: boolean;
}

export type AdmitResult = { ok: true; reservation: Reservation } | Refusal;

export interface Settlement {
  /** Real tokens that count against tpm: input (including cached) + output. */
  tokens: number;
  /** Real cost in USD (see pricing.ts). */
  costUsd: number;
}

export type BudgetPeriod = "daily" | "monthly" | "lifetime";

/** A budget threshold crossed by a settle; the caller alerts (see BudgetAlerts). */
export interface BudgetCrossing {
  scopeId: string;
  label: string;
  period: BudgetPeriod;
  /** `2026-11-22`, `2026-11` or `lifetime` (UTC). */
  periodId: string;
  /** Fraction of the cap; `1` means the hard cap was reached. */
  threshold: number;
  capUsd: number;
  spentUsd: number;
}

export interface SettleResult {
  crossings: BudgetCrossing[];
}

export interface BudgetState {
  daily: { spentUsd: number; heldUsd: number };
  monthly: { spentUsd: number; heldUsd: number };
  lifetime: { spentUsd: number; heldUsd: number };
}

/** The one store interface; implemented in memory and on Redis. */
export interface LimitStore {
  /** Checks and takes every scope's rpm, tpm and budget hold, all or nothing. */
  admit(req: AdmitRequest): Promise<AdmitResult>;
  /** Reconciles tokens (returns the unused part, charges an overrun) and adds spend. */
  settle(reservation: Reservation, usage: Settlement): Promise<SettleResult>;
  /** Cancelled or failed request: returns reserved tokens and budget holds (rpm stays taken). */
  release(reservation: Reservation): Promise<void>;
  /**
   * Outstanding (unsettled, unexpired) reservations, counted per partition (one over a tenant and
   * a deployment counts 2); expired ones are swept first. Without `partitions`: all of them.
   */
  outstanding(partitions?: string[]): Promise<number>;
  /** Spend and holds of one scope in the current periods. */
  budgetState(scope: Pick<LimitScope, "id" | "partition">): Promise<BudgetState>;
  close(): Promise<void>;
}

/** Thrown by a store (fail-closed) when Redis cannot be reached within its timeout. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const DEFAULT_RESERVATION_TTL_MS = 10 * 60_000;

/** Budget amounts are counted in integer nano-USD so sums are exact (safe up to ~$9M). */
const NANO_PER_USD = 1e9;
export function toNano(usd: number): number {
  return Math.max(0, Math.round(usd * NANO_PER_USD));
}
export function fromNano(nano: number): number {
  return nano / NANO_PER_USD;
}
