/**
 * What happens when Redis is down, per deployment:
 *
 * - `fail-closed`: admit throws StoreUnavailableError (the pipeline answers "limits unavailable",
 *   retryable). Nothing is served that could not be counted.
 * - `fail-open`: admit falls back to a local in-memory store with the same limits (each replica
 *   then enforces them alone, so a fleet of N may admit up to N times a limit while Redis is
 *   down). A scope Redis last refused for an exhausted budget stays refused locally until its
 *   period ends: an outage must not reopen a spent budget. Other budgets count local spend
 *   only. When Redis returns, the spend counted locally is added to the Redis budgets.
 *   Rate-limit buckets are not back-charged: their window is one minute, so usage from an
 *   outage is mostly refilled by the time it could be replayed.
 *
 * A failure opens a short circuit (`breakerMs`): for that long admit skips Redis (fail-open
 * serves locally, fail-closed refuses) instead of paying a timeout per request when Redis hangs.
 * The client's `ready` event closes it early.
 *
 * In both modes settle and release never lose accounting: a settle that cannot reach Redis is
 * queued and replayed in order when Redis is back (on the client's `ready` event, on a timer,
 * and on close). A replay applies even if Redis lost the reservation (restarted without
 * persistence), so the spend reaches the budgets.
 */
import type { Redis } from "ioredis";
import { MemoryLimitStore } from "./memory-store.js";
import { StoreUnavailableError, toNano, fromNano, type AdmitRequest, type AdmitResult, type BudgetCrossing, type BudgetState, type LimitStore, type Refusal, type Reservation, type SettleResult, type Settlement } from "./types.js";
import { type LimitScope } from "../core/principal.js";

export type RedisFaultMode = "fail-open" | "fail-closed";

export interface ResilientLimitStoreOptions {
  /** The shared store (RedisLimitStore). */
  primary: LimitStore;
  mode: RedisFaultMode;
  /** The client behind `primary`; its `ready` event triggers a replay. */
  redis?: Redis;
  /** Local counter for fail-open (default: a new MemoryLimitStore). */
  local?: MemoryLimitStore;
  /** Replay attempt period while something is pending. Default 1000 ms. */
  reconcileIntervalMs?: number;
  /** After a failure, admit skips Redis for this long. Default 500 ms; 0 disables. */
  breakerMs?: number;
  /** Called when Redis is found unavailable (log it; rate-limit your own logging). */
  onUnavailable?: (err: StoreUnavailableError) => void;
  /** Crossings found while replaying (the spend finally reaches the shared budgets). */
  onReplayCrossings?: (crossings: BudgetCrossing[]) => void;
}

type Queued = { kind: "settle"; reservation: Reservation; usage: Settlement } | { kind: "release"; reservation: Reservation };

export class ResilientLimitStore implements LimitStore {
  private readonly primary: LimitStore;
  private readonly local: MemoryLimitStore;
  private readonly mode: RedisFaultMode;
  private readonly options: ResilientLimitStoreOptions;
  private readonly queue: Queued[] = [];
  /** Spend counted locally during an outage, per scope, to add to Redis on recovery. */
  private readonly localSpend = new Map<string, { scope: LimitScope; nano: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> | undefined;
  /** Budget refusals seen from Redis, per scope, with when they end (Date.now() ms). */
  private readonly exhausted = new Map<string, { refusal: Refusal; untilMs: number }>();
  /** performance.now() until which admit does not try Redis. */
  private openUntil = 0;
  private readonly onReady = () => {
    this.openUntil = 0;
    void this.flush();
  };

  constructor(options: ResilientLimitStoreOptions) {
    this.options = options;
    this.primary = options.primary;
    this.mode = options.mode;
    this.local = options.local ?? new MemoryLimitStore({ idPrefix: "L", origin: "local" });
    options.redis?.on("ready", this.onReady);
  }

  private breakerOpen(): boolean {
    return performance.now() < this.openUntil;
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    if (this.breakerOpen()) {
      if (this.mode === "fail-closed") throw new StoreUnavailableError("limits store (Redis) unavailable: recent failures, not retried yet");
      return this.admitLocally(req);
    }
    try {
      const result = await this.primary.admit(req);
      if (!result.ok && result.kind.startsWith("budget_")) {
        const untilMs = result.retryAfterS === undefined ? Number.POSITIVE_INFINITY : Date.now() + result.retryAfterS * 1000;
        this.exhausted.set(result.scopeId, { refusal: result, untilMs });
      }
      return result;
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.unavailable(err);
      this.openUntil = performance.now() + (this.options.breakerMs ?? 500);
      if (this.mode === "fail-closed") throw err;
      return this.admitLocally(req);
    }
  }

  private admitLocally(req: AdmitRequest): AdmitResult {
    const now = Date.now();
    for (const scope of req.scopes) {
      const known = this.exhausted.get(scope.id);
      if (!known) continue;
      if (known.untilMs <= now) {
        this.exhausted.delete(scope.id);
        continue;
      }
      const retryAfterS = Number.isFinite(known.untilMs) ? Math.max(1, Math.ceil((known.untilMs - now) / 1000)) : undefined;
      return { ...known.refusal, retryAfterS };
    }
    return this.local.admitSync(req);
  }

  async settle(reservation: Reservation, usage: Settlement): Promise<SettleResult> {
    if (reservation.done) return { crossings: [] };
    if (reservation.origin === "local") {
      const result = this.local.settleSync(reservation, usage);
      this.addLocalSpend(reservation, usage.costUsd);
      return result;
    }
    if (this.breakerOpen()) {
      this.enqueue({ kind: "settle", reservation, usage });
      return { crossings: [] };
    }
    try {
      return await this.primary.settle(reservation, usage);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.unavailable(err);
      this.enqueue({ kind: "settle", reservation, usage });
      return { crossings: [] };
    }
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.done) return;
    if (reservation.origin === "local") return this.local.releaseSync(reservation);
    if (this.breakerOpen()) return this.enqueue({ kind: "release", reservation });
    try {
      await this.primary.release(reservation);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.unavailable(err);
      this.enqueue({ kind: "release", reservation });
    }
  }

  /** Operations and per-scope spend totals waiting for Redis. */
  pending(): number {
    return this.queue.length + this.localSpend.size;
  }

  /** Outstanding reservations: shared (Redis) + local (fail-open). Throws if Redis is down. */
  async outstanding(partitions?: string[]): Promise<number> {
    return (await this.primary.outstanding(partitions)) + (await this.local.outstanding(partitions));
  }

  async budgetState(scope: Pick<LimitScope, "id" | "partition">): Promise<BudgetState> {
    return this.primary.budgetState(scope);
  }

  /**
   * Replays queued settles/releases in order, then the locally counted spend. Stops at the first
   * failure (Redis still down). Returns what is still pending.
   */
  flush(): Promise<number> {
    this.flushing ??= this.replay().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async close(): Promise<void> {
    this.options.redis?.off("ready", this.onReady);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }

  private async replay(): Promise<number> {
    try {
      while (this.queue.length > 0) {
        const op = this.queue[0]!;
        if (op.kind === "settle") {
          const { crossings } = await this.primary.settle(op.reservation, op.usage);
          if (crossings.length > 0) this.options.onReplayCrossings?.(crossings);
        } else {
          await this.primary.release(op.reservation);
        }
        this.queue.shift();
      }
      for (const [k, { scope, nano }] of [...this.localSpend]) {
        // A spend-only settle: no reservation in Redis and an expiry in the past, so the script
        // applies it; the scope is stripped of rate limits (buckets are not back-charged).
        const spendOnly: Reservation = {
          id: `replay.${k}.${Date.now()}`,
          origin: "redis",
          expiresAtMs: 0,
          estimatedCostUsd: 0,
          parts: [{ partition: scope.partition, scopes: [{ scope: { ...scope, rpm: undefined, tpm: undefined }, reservedTokens: 0 }] }],
        };
        const { crossings } = await this.primary.settle(spendOnly, { tokens: 0, costUsd: fromNano(nano) });
        this.localSpend.delete(k);
        if (crossings.length > 0) this.options.onReplayCrossings?.(crossings);
      }
    } catch (err) {
      this.unavailable(err);
    }
    if (this.pending() === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return this.pending();
  }

  private addLocalSpend(reservation: Reservation, costUsd: number): void {
    const nano = toNano(costUsd);
    if (nano === 0) return;
    for (const part of reservation.parts) {
      for (const { scope } of part.scopes) {
        if (!scope.budget) continue;
        const k = `${scope.partition}|${scope.id}`;
        const entry = this.localSpend.get(k);
        if (entry) {
          entry.nano += nano;
          entry.scope = scope;
        } else {
          this.localSpend.set(k, { scope, nano });
        }
      }
    }
    this.schedule();
  }

  private enqueue(op: Queued): void {
    this.queue.push(op);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.reconcileIntervalMs ?? 1_000);
    this.timer.unref();
  }

  private unavailable(err: unknown): StoreUnavailableError {
    const e = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`limits store unavailable: ${String(err)}`, { cause: err });
    this.options.onUnavailable?.(e);
    return e;
  }
}
