import { SluiceError } from "../../errors/sluice-error.js";
import { StoreUnavailableError, estimateCostUsd, usageTokens, type AdmitRequest, type BudgetAlerts, type LimitStore, type PricingTable, type Refusal, type Reservation } from "../../limits/index.js";
import type { ChatTokenCounter } from "../../policy/index.js";
import type { Logger } from "../../core/logger.js";
import type { RequestContext } from "../context.js";
import { estimateInputTokens, estimateOutputTokens } from "../estimate.js";
import type { Phase } from "../phase.js";
import { fitContextWindow } from "../context-window.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";

export interface AdmitDeps {
  store: LimitStore;
  pricing: PricingTable;
  alerts: BudgetAlerts;
  log: Logger;
  /** Counts what context-window management did (sluice_context_actions_total) and limit refusals (sluice_limit_refusals_total). */
  metrics?: GatewayMetrics;
}

/** What a request will take, as admit sizes its reservation: input tokens and the most output it may ask for. */
interface RequestSize {
  inputTokens: number;
  maxOutputTokens: number;
}

/**
 * How an operation's request is measured. Chat counts input tokens through the `tokens` WASM
 * slot (only when something needs them); embeddings estimate from characters (the provider
 * reports the real count, which settle reconciles).
 */
export type MeasureRequest = (ctx: RequestContext) => Promise<RequestSize>;

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
export async function admitOrRefuse(store: LimitStore, request: AdmitRequest, onRefusal?: (refusal: Refusal) => void): Promise<Reservation | SluiceError> {
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
  onRefusal?.(result);
  if (!result.budget) return new SluiceError("rate_limited", `${result.limit} exceeded`, { retryAfterS: result.retryAfterS });
  return new SluiceError("budget_exhausted", budgetRefusal(result.limit, result.budget), { retryAfterS: result.retryAfterS });
}

/** Says which it is: the budget is spent, or this request's worst-case cost is more than what is left. */
function budgetRefusal(limit: string, b: { capUsd: number; usedUsd: number; requestUsd: number }): string {
  const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 6 : 2)}`;
  if (b.usedUsd >= b.capUsd) return `${limit} is used up (${usd(b.usedUsd)} of ${usd(b.capUsd)} spent or held)`;
  return (
    `${limit}: this request's worst-case cost of ${usd(b.requestUsd)} (input plus max output tokens) is more than the ` +
    `${usd(b.capUsd - b.usedUsd)} left of ${usd(b.capUsd)}; lower max_tokens or raise the budget`
  );
}

/** Chat: input tokens counted the way the first target's provider bills them; output as asked, else the default reserve. */
export function measureChat(counter: ChatTokenCounter, defaultOutputReserve: number, log: Logger): MeasureRequest {
  let warned = false;
  return async (ctx) => {
    let inputTokens = -1;
    const target = ctx.targets[0];
    if (target) {
      try {
        inputTokens = (await counter.count(ctx.request, target.provider.kind, target.model)).inputTokens;
      } catch (err) {
        if (err instanceof SluiceError) throw err; // a fail-closed tokens slot: `unavailable`
        if (!warned) log.warn({ err: (err as Error).message }, "token counting module unavailable; estimating from characters");
        warned = true;
      }
    }
    if (inputTokens < 0) inputTokens = estimateInputTokens(ctx.request);
    return { inputTokens, maxOutputTokens: ctx.request.params?.maxOutputTokens ?? defaultOutputReserve };
  };
}

/** Embeddings: ~4 characters per token over the inputs; no output tokens. */
export const measureEmbed: MeasureRequest = async (ctx) => {
  let chars = 0;
  for (const text of ctx.embedRequest!.inputs) chars += text.length;
  return { inputTokens: estimateOutputTokens(chars), maxOutputTokens: 0 };
};

export function admitPhase(deps: AdmitDeps, measure: MeasureRequest): Phase {
  async function admit(ctx: RequestContext): Promise<void> {
    const scopes = ctx.principal!.scopes;
    // Fits the context window (dropping turns or falling back when the alias says so), or refuses.
    const size = await fitContextWindow(ctx, measure, deps.metrics);
    ctx.inputTokenEstimate = size.inputTokens;
    if (scopes.length === 0) return;
    const maxOutput = size.maxOutputTokens;
    // Routing comes later: hold the cost of the dearest target the model can route to.
    let estimatedCostUsd = 0;
    for (const t of ctx.targets) {
      estimatedCostUsd = Math.max(estimatedCostUsd, estimateCostUsd(deps.pricing, t.model, ctx.inputTokenEstimate, maxOutput));
    }
    const result = await admitOrRefuse(deps.store, { scopes, tokens: ctx.inputTokenEstimate + maxOutput, estimatedCostUsd }, deps.metrics && ((r) => deps.metrics!.limitRefused(ctx.principal!.tenant, r.scopeId, r.kind)));
    if (result instanceof SluiceError) throw result;
    ctx.reservation = result;
  }

  return {
    name: "admit",
    // Nothing to count or hold (no limits, no context window): no promise (the runner awaits only promises).
    onRequest(ctx) {
      if (ctx.principal!.scopes.length === 0 && ctx.contextWindow === 0 && !ctx.targets.some((t) => t.limitScope)) return;
      return admit(ctx);
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
