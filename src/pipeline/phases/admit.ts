import { SluiceError } from "../../errors/sluice-error.js";
import { StoreUnavailableError, estimateCostUsd, usageTokens, type BudgetAlerts, type LimitStore, type PricingTable } from "../../limits/index.js";
import type { Logger } from "../../telemetry/logger.js";
import { estimateInputTokens } from "../estimate.js";
import type { Phase } from "../phase.js";

export interface AdmitDeps {
  store: LimitStore;
  pricing: PricingTable;
  /** Output tokens reserved when the request sets no maximum. */
  defaultOutputReserve: number;
  alerts: BudgetAlerts;
  log: Logger;
}

/**
 * Rate limits and budgets: before dispatch, reserve `input estimate + max output` tokens and
 * the worst-case cost against the key's and the tenant's limits (one store call, all or
 * nothing); when the answer ends, reconcile with what was really used, or give everything
 * back when nothing was. The reconcile is not awaited: it is off the response path, and the
 * store queues it if Redis is away.
 */
export function admitPhase(deps: AdmitDeps): Phase {
  return {
    name: "admit",
    async onRequest(ctx) {
      ctx.inputTokenEstimate = estimateInputTokens(ctx.request);
      const scopes = ctx.principal!.scopes;
      if (scopes.length === 0) return;
      const maxOutput = ctx.request.params?.maxOutputTokens ?? deps.defaultOutputReserve;
      // Routing comes later: hold the cost of the dearest target the model can route to.
      let estimatedCostUsd = 0;
      for (const t of ctx.targets) {
        estimatedCostUsd = Math.max(estimatedCostUsd, estimateCostUsd(deps.pricing, t.model, ctx.inputTokenEstimate, maxOutput));
      }
      let result;
      try {
        result = await deps.store.admit({ scopes, tokens: ctx.inputTokenEstimate + maxOutput, estimatedCostUsd });
      } catch (err) {
        if (err instanceof StoreUnavailableError) {
          throw new SluiceError("unavailable", "usage limits cannot be checked right now; try again shortly", { cause: err, retryAfterS: 1 });
        }
        throw err;
      }
      if (!result.ok) {
        const budget = result.kind.startsWith("budget");
        throw new SluiceError(budget ? "budget_exhausted" : "rate_limited", `${result.limit} ${budget ? "is used up" : "exceeded"}`, {
          retryAfterS: result.retryAfterS,
        });
      }
      ctx.reservation = result.reservation;
    },
    onSettle(ctx) {
      const reservation = ctx.reservation;
      if (!reservation) return;
      const billed = ctx.billed;
      const work = billed
        ? deps.store.settle(reservation, { tokens: usageTokens(billed), costUsd: ctx.costUsd }).then((r) => deps.alerts.notify(r.crossings))
        : deps.store.release(reservation);
      work.catch((err) => deps.log.error({ err, request_id: ctx.requestId }, "settling a reservation failed"));
    },
  };
}
