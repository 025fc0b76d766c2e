/**
 * A LimitStore whose counters live in another process: the workers of `sluice serve --workers N`
 * without Redis ask their primary, which owns one MemoryLimitStore. Every admit of every worker
 * runs in that one single-threaded store, so N workers together admit exactly what one process
 * would (the contract suite runs this store over a real process boundary).
 *
 * The limits layer knows nothing of cluster messaging: the caller hands in a `LimitStoreCall`
 * (src/app/cluster carries it over node:cluster IPC), and the owner answers with
 * `limitStoreHandler(store)`. Messages are plain JSON; a Reservation round-trips as data.
 */
import { StoreUnavailableError, type AdmitRequest, type AdmitResult, type BudgetState, type LimitStore, type Reservation, type SettleResult, type Settlement } from "./types.js";
import type { LimitScope } from "../core/principal.js";

/** The store's methods that cross the process boundary (`close` stays with each side). */
export const LIMIT_STORE_METHODS = ["admit", "settle", "release", "outstanding", "budgetState"] as const;
type Method = (typeof LIMIT_STORE_METHODS)[number];

/** Sends one store call to the owning process and resolves with its answer (or rejects with its error). */
export type LimitStoreCall = (method: Method, args: unknown[]) => Promise<unknown>;

export class IpcLimitStore implements LimitStore {
  private seq = 0;

  constructor(private readonly send: LimitStoreCall) {}

  /** One call to the owner; its StoreUnavailableError (a Redis-backed owner, fail-closed) keeps its type. */
  private async call(method: Method, args: unknown[]): Promise<unknown> {
    try {
      return await this.send(method, args);
    } catch (err) {
      if ((err as Error).name === "StoreUnavailableError") throw new StoreUnavailableError((err as Error).message, { cause: err });
      throw err;
    }
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    // Nothing limited: nothing to count, so no round trip (the memory store tracks nothing either).
    if (req.scopes.length === 0) {
      return { ok: true, reservation: { id: `i${++this.seq}`, origin: "memory", expiresAtMs: 0, estimatedCostUsd: req.estimatedCostUsd ?? 0, parts: [] } };
    }
    return (await this.call("admit", [req])) as AdmitResult;
  }

  async settle(reservation: Reservation, usage: Settlement): Promise<SettleResult> {
    // `done` is marked on this process's copy: the owner marks only the copy it received.
    if (reservation.done || reservation.parts.length === 0) return { crossings: [] };
    reservation.done = true;
    return (await this.call("settle", [{ ...reservation, done: undefined }, usage])) as SettleResult;
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.done || reservation.parts.length === 0) return;
    reservation.done = true;
    await this.call("release", [{ ...reservation, done: undefined }]);
  }

  async outstanding(partitions?: string[]): Promise<number> {
    return (await this.call("outstanding", partitions === undefined ? [] : [partitions])) as number;
  }

  async budgetState(scope: Pick<LimitScope, "id" | "partition">): Promise<BudgetState> {
    return (await this.call("budgetState", [{ id: scope.id, partition: scope.partition }])) as BudgetState;
  }

  /** The owner closes the counters; a worker has nothing of its own to close. */
  async close(): Promise<void> {}
}

/** The owner's side: answers the calls of IpcLimitStores from `store`. Unknown methods are refused. */
export function limitStoreHandler(store: LimitStore): (method: string, args: unknown[]) => Promise<unknown> {
  return async (method, args) => {
    switch (method) {
      case "admit":
        return store.admit(args[0] as AdmitRequest);
      case "settle":
        return store.settle(args[0] as Reservation, args[1] as Settlement);
      case "release":
        return store.release(args[0] as Reservation);
      case "outstanding":
        return store.outstanding(args[0] as string[] | undefined);
      case "budgetState":
        return store.budgetState(args[0] as Pick<LimitScope, "id" | "partition">);
      default:
        throw new Error(`limit store: no method ${JSON.stringify(method)}`);
    }
  };
}

