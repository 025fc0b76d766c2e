/**
 * LimitStore on Redis: exact across replicas because every check-and-take is one Lua script
 * (atomic on the server, Redis TIME as the clock). One round trip per partition; scopes of one
 * partition (a tenant's key + tenant) are one script call. Several partitions (tenant +
 * deployment) run in parallel and a refusal in one releases what the others took (all or
 * nothing; a concurrent request may briefly see the capacity as taken).
 *
 * Every Redis failure becomes a StoreUnavailableError; `ResilientLimitStore` turns that into the
 * configured fail-open / fail-closed behaviour.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { cappedTokens } from "./gcra.js";
import { assertValidAdmit } from "./scopes.js";
import { budgetCaps, limitName, thresholdsOf } from "./budgets.js";
import { ADMIT_LUA, BUDGET_STATE_LUA, OUTSTANDING_LUA, SETTLE_LUA } from "./redis-scripts.js";
import { DEFAULT_RESERVATION_TTL_MS, StoreUnavailableError, fromNano, toNano, type AdmitRequest, type AdmitResult, type BudgetCrossing, type BudgetPeriod, type BudgetState, type LimitKind, type LimitStore, type Refusal, type Reservation, type ReservationPart, type SettleResult, type Settlement } from "./types.js";
import { type LimitScope } from "../core/principal.js";

export interface RedisLimitStoreOptions {
  /** A client made by `createLimitsRedis` (bounded timeouts, no offline queue). Not closed by the store. */
  redis: Redis;
  /** First segment of every key. Default `sl`. */
  keyPrefix?: string;
  /** Test only: added to Redis TIME in every script, to roll windows without sleeping. */
  clockOffsetMs?: () => number;
}

type ScriptReply = Array<number | string | Array<number | string>>;

interface ScriptedRedis {
  sluiceAdmit(...keysAndArgs: string[]): Promise<ScriptReply>;
  sluiceSettle(...keysAndArgs: string[]): Promise<ScriptReply>;
  sluiceOutstanding(rz: string, base: string, offset: string): Promise<number>;
  sluiceBudgetState(rz: string, base: string, offset: string, scopeId: string): Promise<string[]>;
}

const KIND_PERIOD: Record<string, BudgetPeriod> = { daily: "daily", monthly: "monthly", lifetime: "lifetime" };

export class RedisLimitStore implements LimitStore {
  private readonly redis: Redis & ScriptedRedis;
  private readonly prefix: string;
  private readonly offset: () => number;
  /** Unique per process so ids from several replicas never collide; a counter keeps them cheap. */
  private readonly idBase = randomBytes(6).toString("base64url");
  private seq = 0;

  constructor(options: RedisLimitStoreOptions) {
    this.redis = options.redis as Redis & ScriptedRedis;
    this.prefix = options.keyPrefix ?? "sl";
    this.offset = options.clockOffsetMs ?? (() => 0);
    const r = options.redis;
    // defineCommand is idempotent per name; several stores may share one client.
    if (!("sluiceAdmit" in r)) {
      r.defineCommand("sluiceAdmit", { numberOfKeys: 1, lua: ADMIT_LUA });
      r.defineCommand("sluiceSettle", { numberOfKeys: 1, lua: SETTLE_LUA });
      r.defineCommand("sluiceOutstanding", { numberOfKeys: 1, lua: OUTSTANDING_LUA });
      r.defineCommand("sluiceBudgetState", { numberOfKeys: 1, lua: BUDGET_STATE_LUA });
    }
  }

  /** `<prefix>:{<partition>}:`: the hash tag keeps a partition's keys in one cluster slot. */
  private base(partition: string): string {
    return `${this.prefix}:{${partition}}:`;
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    assertValidAdmit(req);
    const id = `${this.idBase}.${(++this.seq).toString(36)}`;
    const byPartition = groupByPartition(req.scopes);
    const ttl = req.ttlMs ?? DEFAULT_RESERVATION_TTL_MS;
    const est = toNano(req.estimatedCostUsd ?? 0);
    const parts: ReservationPart[] = [...byPartition].map(([partition, scopes]) => ({
      partition,
      scopes: scopes.map((scope) => ({ scope, reservedTokens: scope.tpm === undefined ? 0 : cappedTokens(req.tokens, scope.tpm) })),
    }));

    const calls = parts.map((part) => {
      const base = this.base(part.partition);
      const args = [base + "rz", base, String(this.offset()), id, String(ttl), String(est), String(part.scopes.length)];
      for (const { scope, reservedTokens } of part.scopes) {
        const caps = capsOf(scope);
        args.push(scope.id, opt(scope.rpm), opt(scope.tpm), String(reservedTokens), scope.budget ? "1" : "0", opt(caps.d), opt(caps.m), opt(caps.l));
      }
      return this.redis.sluiceAdmit(...args);
    });
    const settled = await Promise.allSettled(calls);

    let expiresAtMs = 0;
    let refusal: Refusal | undefined;
    let failure: unknown;
    const taken: ReservationPart[] = [];
    settled.forEach((s, i) => {
      const part = parts[i]!;
      if (s.status === "rejected") {
        failure ??= s.reason;
        return;
      }
      const reply = s.value;
      if (reply[0] === 1) {
        part.member = String(reply[2]);
        taken.push(part);
        expiresAtMs = Math.max(expiresAtMs, Number(reply[1]));
        return;
      }
      const scope = part.scopes[Number(reply[1]) - 1]!.scope;
      const kind = String(reply[2]) as LimitKind;
      const waitMs = Number(reply[3]);
      const retryAfterS = waitMs < 0 ? undefined : Math.max(1, Math.ceil(waitMs / 1000));
      if (!refusal || (refusal.retryAfterS !== undefined && (retryAfterS === undefined || retryAfterS > refusal.retryAfterS))) {
        const usedNano = Number(reply[4] ?? -1);
        const capNano = Number(reply[5] ?? -1);
        refusal = {
          ok: false,
          limit: limitName(scope.label, kind),
          scopeId: scope.id,
          kind,
          retryAfterS,
          ...(capNano >= 0 ? { budget: { capUsd: fromNano(capNano), usedUsd: fromNano(usedNano), requestUsd: fromNano(est) } } : {}),
        };
      }
    });

    if (refusal || failure !== undefined) {
      if (taken.length > 0) {
        // All or nothing across partitions: give back what the other partitions took.
        const partial: Reservation = { id, origin: "redis", expiresAtMs, estimatedCostUsd: 0, parts: taken };
        await this.release(partial).catch(() => undefined);
      }
      if (refusal) return refusal;
      throw unavailable("admit", failure);
    }
    const reservation: Reservation = { id, origin: "redis", expiresAtMs, estimatedCostUsd: req.estimatedCostUsd ?? 0, parts };
    return { ok: true, reservation };
  }

  async settle(reservation: Reservation, usage: Settlement): Promise<SettleResult> {
    if (reservation.done) return { crossings: [] };
    const crossings = await this.apply(reservation, { release: false, tokens: Math.ceil(usage.tokens), cost: toNano(usage.costUsd) });
    reservation.done = true;
    return { crossings };
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.done) return;
    await this.apply(reservation, { release: true, tokens: 0, cost: 0 });
    reservation.done = true;
  }

  /** Runs the settle script on every partition; throws StoreUnavailableError if any failed. */
  private async apply(reservation: Reservation, how: { release: boolean; tokens: number; cost: number }): Promise<BudgetCrossing[]> {
    const replies = await Promise.allSettled(
      reservation.parts.map((part) => {
        const base = this.base(part.partition);
        const args = [
          base + "rz",
          base,
          String(this.offset()),
          part.member ?? reservation.id,
          how.release ? "1" : "0",
          String(how.tokens),
          String(how.cost),
          String(part.scopes.length),
        ];
        for (const { scope, reservedTokens } of part.scopes) {
          const caps = capsOf(scope);
          args.push(scope.id, opt(scope.tpm), String(reservedTokens), scope.budget ? "1" : "0", opt(caps.d), opt(caps.m), opt(caps.l), thresholdsOf(scope.budget).join(","));
        }
        return this.redis.sluiceSettle(...args);
      }),
    );
    const crossings: BudgetCrossing[] = [];
    let failure: unknown;
    replies.forEach((r, i) => {
      if (r.status === "rejected") {
        failure ??= r.reason;
        return;
      }
      const part = reservation.parts[i]!;
      for (const c of r.value.slice(1)) {
        const [idx, period, periodId, threshold, spent] = c as Array<number | string>;
        const scope = part.scopes[Number(idx) - 1]!.scope;
        const p = KIND_PERIOD[String(period)]!;
        const cap = budgetCaps(scope.budget).find((x) => x.period === p)!;
        crossings.push({
          scopeId: scope.id,
          label: scope.label,
          period: p,
          periodId: String(periodId),
          threshold: Number(threshold),
          capUsd: fromNano(cap.capNano),
          spentUsd: fromNano(Number(spent)),
        });
      }
    });
    if (failure !== undefined) {
      // Partitions that succeeded are done; mark them so a replay only retries the failed ones.
      reservation.parts = reservation.parts.filter((_, i) => replies[i]!.status === "rejected");
      throw unavailable(how.release ? "release" : "settle", failure);
    }
    return crossings;
  }

  async outstanding(partitions?: string[]): Promise<number> {
    try {
      const list = partitions ?? (await this.knownPartitions());
      let n = 0;
      for (const p of list) {
        const base = this.base(p);
        n += Number(await this.redis.sluiceOutstanding(base + "rz", base, String(this.offset())));
      }
      return n;
    } catch (err) {
      throw unavailable("outstanding", err);
    }
  }

  /** Partitions with a reservation zset (SCAN; admin and tests only, never the request path). */
  private async knownPartitions(): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    const pattern = `${this.prefix}:{*}:rz`;
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      for (const k of keys) found.add(k.slice(this.prefix.length + 2, k.length - 4));
    } while (cursor !== "0");
    return [...found];
  }

  async budgetState(scope: Pick<LimitScope, "id" | "partition">): Promise<BudgetState> {
    const base = this.base(scope.partition);
    let v: string[];
    try {
      v = await this.redis.sluiceBudgetState(base + "rz", base, String(this.offset()), scope.id);
    } catch (err) {
      throw unavailable("budgetState", err);
    }
    const usd = (i: number) => fromNano(Number(v[i] ?? 0));
    return {
      daily: { spentUsd: usd(0), heldUsd: usd(1) },
      monthly: { spentUsd: usd(2), heldUsd: usd(3) },
      lifetime: { spentUsd: usd(4), heldUsd: usd(5) },
    };
  }

  async close(): Promise<void> {}
}

function groupByPartition(scopes: LimitScope[]): Map<string, LimitScope[]> {
  const m = new Map<string, LimitScope[]>();
  for (const s of scopes) {
    const list = m.get(s.partition);
    if (list) list.push(s);
    else m.set(s.partition, [s]);
  }
  return m;
}

/** Optional numeric script argument: '' means "not set". */
function opt(x: number | undefined): string {
  return x === undefined ? "" : String(x);
}

function capsOf(scope: LimitScope): { d?: number; m?: number; l?: number } {
  const caps = budgetCaps(scope.budget);
  const out: { d?: number; m?: number; l?: number } = {};
  for (const c of caps) out[c.period === "daily" ? "d" : c.period === "monthly" ? "m" : "l"] = c.capNano;
  return out;
}

function unavailable(op: string, cause: unknown): StoreUnavailableError {
  if (cause instanceof StoreUnavailableError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StoreUnavailableError(`limits store (Redis) unavailable during ${op}: ${why}`, { cause });
}
