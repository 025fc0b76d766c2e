import { SluiceError } from "../../errors/sluice-error.js";
import {
  StoreUnavailableError,
  estimateCostUsd,
  usageTokens,
  type AdmitRequest,
  type BudgetAlerts,
  type LimitStore,
  type PricingTable,
  type Reservation,
} from "../../limits/index.js";
import type { ChatTokenCounter } from "../../tokens/chat-count.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RequestContext } from "../context.js";
import { estimateInputTokens } from "../estimate.js";
import type { Phase } from "../phase.js";

export interface AdmitDeps {
  store: LimitStore;
  pricing: PricingTable;
  /** Output tokens reserved when the request sets no maximum. */
  defaultOutputReserve: number;
  alerts: BudgetAlerts;
  /** Counts through the `tokens` WASM slot (which estimates itself when the slot fails open). */
  counter?: ChatTokenCounter;
  log: Logger;
}

/**
 * Token counts, context windows, rate limits and budgets. Input tokens are counted (the
 * `tokens` WASM module, the way the first target's provider bills) only when something needs
 * them: limits, budgets or a context window. A request that cannot fit the model's window is
 * refused. Then `input + max output` tokens and the worst-case cost are reserved against the
 * key's and the tenant's limits (one store call, all or nothing); when the answer ends, the
 * reservation is reconciled with what was really used, or given back when nothing was. The
 * reconcile is not awaited: it is off the response path, and the store queues it if Redis is
 * away.
 */
/**
 * One store admission as the pipeline sees it: the reservation, or the catalog error a refusal
 * (or an unreachable store in fail-closed mode) becomes. Shared by the request's limits here
 * and the provider deployments' limits in dispatch.
 */
export async function admitOrRefuse(store: LimitStore, request: AdmitRequest): Promise<Reservation | SluiceError> {
  let result;
  try {
    result = await store.admit(request);
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      return new SluiceError("unavailable", "usage limits cannot be checked right now; try again shortly", { cause: err, retryAfterS: 1 });
    }
    throw err;
  }
  if (result.ok) return result.reservation;
  const budget = result.kind.startsWith("budget");
  return new SluiceError(budget ? "budget_exhausted" : "rate_limited", `${result.limit} ${budget ? "is used up" : "exceeded"}`, {
    retryAfterS: result.retryAfterS,
  });
}

export function admitPhase(deps: AdmitDeps): Phase {
  let warned = false;
  async function countInput(ctx: RequestContext): Promise<number> {
    const target = ctx.targets[0];
    if (deps.counter && target) {
      try {
        return (await deps.counter.count(ctx.request, target.provider.kind, target.model)).inputTokens;
      } catch (err) {
        if (err instanceof SluiceError) throw err; // a fail-closed tokens slot: `unavailable`
        if (!warned) deps.log.warn({ err: (err as Error).message }, "token counting module unavailable; estimating from characters");
        warned = true;
      }
    }
    return estimateInputTokens(ctx.request);
  }

  return {
    name: "admit",
    async onRequest(ctx) {
      const scopes = ctx.principal!.scopes;
      const deploymentLimited = ctx.targets.some((t) => t.limitScope);
      if (scopes.length === 0 && ctx.contextWindow === 0 && !deploymentLimited) return;
      ctx.inputTokenEstimate = await countInput(ctx);
      const askedOutput = ctx.request.params?.maxOutputTokens;
      if (ctx.contextWindow && ctx.inputTokenEstimate + (askedOutput ?? 0) > ctx.contextWindow) {
        throw new SluiceError(
          "context_length_exceeded",
          `this model's context window is ${ctx.contextWindow} tokens; the request has ${ctx.inputTokenEstimate} input tokens` +
            (askedOutput ? ` and asks for ${askedOutput} output tokens` : ""),
          { param: "messages" },
        );
      }
      if (scopes.length === 0) return;
      const maxOutput = askedOutput ?? deps.defaultOutputReserve;
      // Routing comes later: hold the cost of the dearest target the model can route to.
      let estimatedCostUsd = 0;
      for (const t of ctx.targets) {
        estimatedCostUsd = Math.max(estimatedCostUsd, estimateCostUsd(deps.pricing, t.model, ctx.inputTokenEstimate, maxOutput));
      }
      const result = await admitOrRefuse(deps.store, { scopes, tokens: ctx.inputTokenEstimate + maxOutput, estimatedCostUsd });
      if (result instanceof SluiceError) throw result;
      ctx.reservation = result;
    },
    onSettle(ctx) {
      const billed = ctx.billed;
      for (const reservation of [ctx.reservation, ctx.deploymentReservation]) {
        if (!reservation) continue;
        const work = billed
          ? deps.store.settle(reservation, { tokens: usageTokens(billed), costUsd: ctx.costUsd }).then((r) => deps.alerts.notify(r.crossings))
          : deps.store.release(reservation);
        work.catch((err) => deps.log.error({ err, request_id: ctx.requestId }, "settling a reservation failed"));
      }
    },
  };
}
