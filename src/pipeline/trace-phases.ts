import { CacheStatus } from "../gen/sluice/v1/gateway_pb.js";
import { asSluiceError } from "../errors/sluice-error.js";
import type { RequestTrace, TraceAttributes } from "../core/trace.js";
import type { RequestContext } from "./context.js";
import type { Phase } from "./phase.js";

/**
 * A traced request's phases: each runs as usual; a phase that decides something (admission,
 * cache, route) is recorded as an event on the request's span with its duration and what it
 * decided (read from the context), and so is a phase that refused the request (with the error
 * code). The policy slots add their own `policy` events (slot, module version, outcome). Events,
 * not child spans, and only for decisions: every attribute is serialized and exported for every
 * request at 100 % sampling (bench/RESULTS.md, "Tracing overhead"). The same loop as untraced
 * requests, with no promise of its own per phase.
 */
export async function runTracedPhases(phases: readonly Phase[], ctx: RequestContext, trace: RequestTrace): Promise<void> {
  for (const phase of phases) {
    if (!phase.onRequest) continue;
    const start = performance.now();
    try {
      const pending = phase.onRequest(ctx);
      if (pending) await pending; // a phase that returns nothing costs no await (as untraced)
    } catch (err) {
      trace.event(phase.name, { "sluice.phase.duration_ms": since(start), "error.type": asSluiceError(err).code });
      throw err;
    }
    const attributes = decided(phase.name, ctx);
    if (attributes) trace.event(phase.name, { "sluice.phase.duration_ms": since(start), ...attributes });
  }
}

/** The request's GenAI attributes once the phases are over (the model and request as they ended up). */
export function traceRequest(ctx: RequestContext, trace: RequestTrace): void {
  trace.request(ctx.operation, ctx.model, ctx.operation === "chat" ? ctx.request : undefined);
}

function since(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

const CACHE_STATUS: Record<CacheStatus, string> = {
  [CacheStatus.UNSPECIFIED]: "none",
  [CacheStatus.MISS]: "miss",
  [CacheStatus.HIT_EXACT]: "exact",
  [CacheStatus.HIT_SEMANTIC]: "semantic",
  [CacheStatus.BYPASS]: "bypass",
};

/** What a phase decided, from the fields it writes on the context. */
function decided(name: string, ctx: RequestContext): TraceAttributes | undefined {
  switch (name) {
    case "prompt":
      return ctx.prompt ? { "sluice.prompt": `${ctx.prompt.id}@${ctx.prompt.version}` } : undefined;
    case "admit":
      // Only when admission counted tokens (limits, budgets, context windows) or fitted the context.
      return ctx.inputTokenEstimate > 0 || ctx.contextAction ? { "sluice.admit.input_tokens": ctx.inputTokenEstimate, "sluice.context_action": ctx.contextAction } : undefined;
    case "cache":
      return { "sluice.cache.status": CACHE_STATUS[ctx.cacheStatus] };
    case "route":
      // A one-target alias routed by the built-in order decided nothing worth an event.
      if (ctx.routing === undefined && ctx.targets.length <= 1) return undefined;
      return {
        "sluice.route.by": ctx.routing?.by ?? (ctx.strategy === "weighted" ? "weighted" : "ordered"),
        "sluice.route.reason": ctx.routing?.reason,
        "sluice.policy.module_version": ctx.routing?.moduleVersion ?? undefined,
        "sluice.route.targets": ctx.answer === undefined ? ctx.targets.map((t) => `${t.provider.id}/${t.model}`) : undefined,
      };
    default:
      return undefined;
  }
}
