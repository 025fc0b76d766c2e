/**
 * In-process LimitStore: the default with one replica, and the local counter behind fail-open.
 * Same arithmetic as the Redis script (gcra.ts, budgets.ts, periods.ts); the contract suite
 * runs both. Single-threaded JS makes every method atomic: nothing awaits mid-update.
 */
import { gcraCharge, gcraRefund, gcraTake, cappedTokens } from "./gcra.js";
import { budgetCaps, budgetRefuses, crossedThresholds, limitName, thresholdsOf } from "./budgets.js";
import { periodIds } from "./periods.js";
import { assertValidAdmit } from "./scopes.js";
import { DEFAULT_RESERVATION_TTL_MS, fromNano, toNano, type AdmitRequest, type AdmitResult, type BudgetCrossing, type BudgetPeriod, type BudgetState, type Refusal, type Reservation, type SettleResult, type Settlement } from "./types.js";
import { type LimitScope } from "../core/principal.js";

export interface MemoryLimitStoreOptions {
  /** Injectable clock (ms since epoch) for tests. */
  now?: () => number;
  /** Reservation ids get this prefix (`local` stores use another so ids never collide). */
  idPrefix?: string;
  origin?: "memory" | "local";
}

interface Counter {
  spent: number;
  held: number;
}

interface Hold {
  key: string;
  nano: number;
}

interface StoredReservation {
  partitions: string[];
  expiresAt: number;
  holds: Hold[];
}

const SWEEP_EVERY_MS = 1_000;
const PERIODS = ["daily", "monthly", "lifetime"] as const;

function periodKey(scopeId: string, period: BudgetPeriod, now: number): string {
  const p = periodIds(now);
  if (period === "daily") return `${scopeId}|d|${p.dayNumber}`;
  if (period === "monthly") return `${scopeId}|m|${p.monthNumber}`;
  return `${scopeId}|l`;
}

function periodLabel(period: BudgetPeriod, now: number): string {
  const p = periodIds(now);
  return period === "daily" ? p.dayId : period === "monthly" ? p.monthId : "lifetime";
}

/** `[kind, number]` of a period key; scope ids may contain `|`, so parse from the end. */
function parsePeriodKey(key: string): [string, number] {
  const parts = key.split("|");
  if (parts[parts.length - 1] === "l") return ["l", 0];
  return [parts[parts.length - 2] ?? "", Number(parts[parts.length - 1])];
}

export class MemoryLimitStore {
  private readonly now: () => number;
  private readonly idPrefix: string;
  private readonly origin: "memory" | "local";
  private readonly tats = new Map<string, number>();
  private readonly budgets = new Map<string, Counter>();
  private readonly reservations = new Map<string, StoredReservation>();
  private seq = 0;
  private nextSweepAt = 0;

  constructor(options: MemoryLimitStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.idPrefix = options.idPrefix ?? "m";
    this.origin = options.origin ?? "memory";
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    return this.admitSync(req);
  }

  admitSync(req: AdmitRequest): AdmitResult {
    assertValidAdmit(req);
    const now = this.now();
    this.maybeSweep(now);
    const estimateNano = toNano(req.estimatedCostUsd ?? 0);
    const newTats: Array<[string, number]> = [];
    const holds: Hold[] = [];
    let refusal: Refusal | undefined;
    const refuse = (scope: LimitScope, kind: Refusal["kind"], retryAfterMs: number | undefined, budget?: Refusal["budget"]) => {
      const retryAfterS = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
      const worse =
        !refusal ||
        (refusal.retryAfterS !== undefined && (retryAfterS === undefined || retryAfterS > refusal.retryAfterS));
      if (worse) refusal = { ok: false, limit: limitName(scope.label, kind), scopeId: scope.id, kind, retryAfterS, ...(budget ? { budget } : {}) };
    };

    for (const scope of req.scopes) {
      if (scope.rpm !== undefined) {
        const key = `${scope.id}|rpm`;
        const r = gcraTake(this.tats.get(key) ?? 0, now, 1, scope.rpm);
        if (r.allowed) newTats.push([key, r.tat]);
        else refuse(scope, "rpm", r.retryAfterMs);
      }
      if (scope.tpm !== undefined) {
        const key = `${scope.id}|tpm`;
        const r = gcraTake(this.tats.get(key) ?? 0, now, cappedTokens(req.tokens, scope.tpm), scope.tpm);
        if (r.allowed) newTats.push([key, r.tat]);
        else refuse(scope, "tpm", r.retryAfterMs);
      }
      if (!scope.budget) continue;
      const p = periodIds(now);
      for (const cap of budgetCaps(scope.budget)) {
        const c = this.budgets.get(periodKey(scope.id, cap.period, now)) ?? { spent: 0, held: 0 };
        if (budgetRefuses(c.spent, c.held, estimateNano, cap.capNano)) {
          const wait = cap.period === "daily" ? p.msToDayEnd : cap.period === "monthly" ? p.msToMonthEnd : undefined;
          refuse(scope, cap.kind, wait, { capUsd: fromNano(cap.capNano), usedUsd: fromNano(c.spent + c.held), requestUsd: fromNano(estimateNano) });
        }
      }
      // The estimate is held in every period of a budgeted scope (as the Redis store does).
      if (estimateNano > 0) for (const period of PERIODS) holds.push({ key: periodKey(scope.id, period, now), nano: estimateNano });
    }
    if (refusal) return refusal;

    for (const [key, tat] of newTats) this.tats.set(key, tat);
    for (const h of holds) {
      const c = this.budgets.get(h.key) ?? { spent: 0, held: 0 };
      c.held += h.nano;
      this.budgets.set(h.key, c);
    }
    const id = `${this.idPrefix}${++this.seq}`;
    const expiresAt = now + (req.ttlMs ?? DEFAULT_RESERVATION_TTL_MS);
    const partitions = [...new Set(req.scopes.map((s) => s.partition))];
    // Nothing limited, nothing to track (as in Redis, where a reservation lives in its partitions).
    if (partitions.length > 0) this.reservations.set(id, { partitions, expiresAt, holds });
    const reservation: Reservation = {
      id,
      origin: this.origin,
      expiresAtMs: expiresAt,
      estimatedCostUsd: req.estimatedCostUsd ?? 0,
      parts: partitions.map((partition) => ({
        partition,
        scopes: req.scopes
          .filter((s) => s.partition === partition)
          .map((scope) => ({ scope, reservedTokens: scope.tpm === undefined ? 0 : cappedTokens(req.tokens, scope.tpm) })),
      })),
    };
    return { ok: true, reservation };
  }

  async settle(reservation: Reservation, usage: Settlement): Promise<SettleResult> {
    return this.settleSync(reservation, usage);
  }

  settleSync(reservation: Reservation, usage: Settlement): SettleResult {
    if (reservation.done) return { crossings: [] };
    reservation.done = true;
    const now = this.now();
    this.takeReservation(reservation);
    const costNano = toNano(usage.costUsd);
    const crossings: BudgetCrossing[] = [];
    for (const part of reservation.parts) {
      for (const { scope, reservedTokens } of part.scopes) {
        if (scope.tpm !== undefined) {
          const key = `${scope.id}|tpm`;
          const tat = this.tats.get(key) ?? 0;
          const delta = Math.ceil(usage.tokens) - reservedTokens;
          this.tats.set(key, delta < 0 ? gcraRefund(tat, now, -delta, scope.tpm) : gcraCharge(tat, now, delta, scope.tpm));
        }
        if (!scope.budget) continue;
        const caps = new Map(budgetCaps(scope.budget).map((c) => [c.period, c.capNano]));
        const thresholds = thresholdsOf(scope.budget);
        for (const period of PERIODS) {
          const key = periodKey(scope.id, period, now);
          const c = this.budgets.get(key) ?? { spent: 0, held: 0 };
          const before = c.spent;
          c.spent += costNano;
          this.budgets.set(key, c);
          const cap = caps.get(period);
          if (cap === undefined) continue;
          for (const threshold of crossedThresholds(before, c.spent, cap, thresholds)) {
            crossings.push({
              scopeId: scope.id,
              label: scope.label,
              period,
              periodId: periodLabel(period, now),
              threshold,
              capUsd: fromNano(cap),
              spentUsd: fromNano(c.spent),
            });
          }
        }
      }
    }
    return { crossings };
  }

  async release(reservation: Reservation): Promise<void> {
    this.releaseSync(reservation);
  }

  releaseSync(reservation: Reservation): void {
    if (reservation.done) return;
    reservation.done = true;
    const now = this.now();
    this.takeReservation(reservation);
    for (const part of reservation.parts) {
      for (const { scope, reservedTokens } of part.scopes) {
        if (scope.tpm === undefined || reservedTokens === 0) continue;
        const key = `${scope.id}|tpm`;
        this.tats.set(key, gcraRefund(this.tats.get(key) ?? 0, now, reservedTokens, scope.tpm));
      }
    }
  }

  async outstanding(partitions?: string[]): Promise<number> {
    const now = this.now();
    this.sweep(now);
    // Counted per partition, as Redis stores them (see LimitStore.outstanding).
    let n = 0;
    for (const r of this.reservations.values()) n += partitions ? r.partitions.filter((p) => partitions.includes(p)).length : r.partitions.length;
    return n;
  }

  async budgetState(scope: Pick<LimitScope, "id" | "partition">): Promise<BudgetState> {
    const now = this.now();
    this.sweep(now);
    const read = (period: BudgetPeriod) => {
      const c = this.budgets.get(periodKey(scope.id, period, now)) ?? { spent: 0, held: 0 };
      return { spentUsd: fromNano(c.spent), heldUsd: fromNano(c.held) };
    };
    return { daily: read("daily"), monthly: read("monthly"), lifetime: read("lifetime") };
  }

  async close(): Promise<void> {}

  /**
   * Removes a live reservation and returns its budget holds. A reservation already swept as
   * expired still settles (spend is never dropped); `Reservation.done` prevents double settles.
   */
  private takeReservation(reservation: Reservation): void {
    const stored = this.reservations.get(reservation.id);
    if (!stored) return;
    this.reservations.delete(reservation.id);
    this.releaseHolds(stored.holds);
  }

  private releaseHolds(holds: Hold[]): void {
    for (const h of holds) {
      const c = this.budgets.get(h.key);
      if (c) c.held = Math.max(0, c.held - h.nano);
    }
  }

  private maybeSweep(now: number): void {
    if (now >= this.nextSweepAt) this.sweep(now);
  }

  /** Expires dead reservations (their process never settled) and drops idle buckets. */
  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [id, r] of this.reservations) {
      if (r.expiresAt > now) continue;
      this.reservations.delete(id);
      this.releaseHolds(r.holds);
    }
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    const p = periodIds(now);
    for (const [key, c] of this.budgets) {
      const [kind, n] = parsePeriodKey(key);
      const stale = (kind === "d" && Number(n) < p.dayNumber - 1) || (kind === "m" && Number(n) < p.monthNumber - 1);
      if (stale && c.held === 0) this.budgets.delete(key);
    }
  }
}
