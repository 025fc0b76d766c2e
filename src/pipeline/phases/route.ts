import { SluiceError } from "../../errors/sluice-error.js";
import { findPrice, type PricingTable } from "../../limits/pricing.js";
import { PolicyRefusedError, type RouterCandidateInfo, type RouterSlot } from "../../policy/index.js";
import { promptFeatures } from "../../routing/features.js";
import type { Router } from "../../routing/router.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import type { RequestContext } from "../context.js";
import type { Target } from "../../core/target.js";
import type { Phase } from "../phase.js";

/** The `router` policy slot in the route phase (absent: the built-in order only). */
export interface RouterSlotDeps {
  policy: RouterSlot;
  /** The configured aliases (direct `provider/model` names are never sent to the module). */
  aliases: ReadonlySet<string>;
  pricing: PricingTable;
  metrics?: GatewayMetrics;
}

/**
 * Orders the candidate targets: which provider to try first, and the fallbacks after it.
 *
 * With the router slot, for an alias it routes: the module gets the candidate table and answers
 * the ids to try, in order. Targets it leaves out are not tried (that is how a module excludes
 * one); targets whose breaker is open or cooling down are dropped even when it lists them
 * (breakers stay the host's); an answer with nothing left is `upstream_unavailable`. When the
 * module fails, a fail-open slot falls back to the built-in order and a fail-closed one refuses
 * with `unavailable`. The decision (who decided, the reason, the module version) goes on the
 * context for the access log, and into `sluice_router_decisions_total`.
 */
export function routePhase(router: Router, slot?: RouterSlotDeps): Phase {
  if (!slot) {
    // No router slot: synchronous, as before.
    return {
      name: "route",
      onRequest(ctx) {
        const candidates = ctx.targets;
        ctx.targets = router.order(candidates, ctx.strategy);
        if (ctx.targets.length === 0) throw unavailable(ctx, router, candidates);
      },
    };
  }
  return {
    name: "route",
    async onRequest(ctx) {
      const candidates = ctx.targets;
      const alias = ctx.request.model;
      // An answer already set (a cache hit) is not dispatched: no module call for it.
      const routed = ctx.answer === undefined && slot.aliases.has(alias) && slot.policy.applies(alias);
      ctx.targets = routed ? await moduleOrder(ctx, router, slot) : router.order(candidates, ctx.strategy);
      if (ctx.targets.length === 0) throw unavailable(ctx, router, candidates);
    },
  };
}

function unavailable(ctx: RequestContext, router: Router, candidates: readonly Target[]): SluiceError {
  const waitMs = Math.min(...candidates.map((t) => router.health.stats(t.provider.id, t.model).unavailableUntil)) - Date.now();
  return new SluiceError("upstream_unavailable", `every target of ${ctx.request.model} is failing or cooling down; try again later`, {
    retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

// Candidate ids per target list (a resolved alias hands out the same array every time).
const idCache = new WeakMap<readonly Target[], string[]>();

/** `<provider id>/<model>`, with `#2`, `#3` ... when an alias lists the same one again. */
export function candidateIds(targets: readonly Target[]): string[] {
  let ids = idCache.get(targets);
  if (!ids) {
    const seen = new Map<string, number>();
    ids = targets.map((t) => {
      const base = `${t.provider.id}/${t.model}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return n === 1 ? base : `${base}#${n}`;
    });
    idCache.set(targets, ids);
  }
  return ids;
}

/** The live candidate table the module sees. */
export function candidateTable(targets: readonly Target[], router: Router, pricing: PricingTable): RouterCandidateInfo[] {
  const ids = candidateIds(targets);
  return targets.map((t, i) => {
    const stats = router.health.stats(t.provider.id, t.model);
    const price = findPrice(pricing, t.model);
    return {
      targetId: ids[i]!,
      healthy: router.health.isAvailable(t.provider.id, t.model),
      latencyEwmaMs: stats.ttftMs,
      errorRate: stats.errorRate,
      priceInputPerMtok: price?.input_per_mtok ?? 0,
      priceOutputPerMtok: price?.output_per_mtok ?? 0,
      remainingCapacity: router.health.remainingCapacity(t.provider.id, t.model),
      weight: t.weight,
      inflight: stats.inflight,
    };
  });
}

const MAX_TAGS = 32;

async function moduleOrder(ctx: RequestContext, router: Router, slot: RouterSlotDeps): Promise<Target[]> {
  const candidates = ctx.targets;
  const alias = ctx.request.model;
  const tags = Object.entries({ ...ctx.principal?.tags, ...ctx.request.tags }).slice(0, MAX_TAGS).map(([k, v]) => `${k}=${v}`);
  let decision;
  try {
    decision = await slot.policy.route({
      alias,
      tenant: ctx.principal?.tenant ?? "",
      tags,
      inputTokenEstimate: ctx.inputTokenEstimate,
      features: promptFeatures(ctx.request),
      candidates: candidateTable(candidates, router, slot.pricing),
    });
  } catch (err) {
    if (!(err instanceof PolicyRefusedError)) throw err;
    slot.metrics?.routerDecisions.inc({ alias, outcome: "refused" });
    ctx.routing = { by: "refused", reason: `router module failed (${err.failure.kind})`, moduleVersion: slot.policy.version() };
    throw new SluiceError("unavailable", "the request could not be routed (router policy module failed); try again", { cause: err });
  }
  if (decision.outcome === "skipped") {
    slot.metrics?.routerDecisions.inc({ alias, outcome: "fallback" });
    ctx.routing = { by: "fallback", reason: `router module failed (${decision.failure?.kind}); built-in order`, moduleVersion: decision.version };
    return router.order(candidates, ctx.strategy);
  }
  slot.metrics?.routerDecisions.inc({ alias, outcome: "module" });
  ctx.routing = { by: "module", reason: decision.reason, moduleVersion: decision.version };
  const ids = candidateIds(candidates);
  const ordered: Target[] = [];
  for (const id of decision.targetIds) {
    const target = candidates[ids.indexOf(id)]!; // the codec checked every id is a candidate
    if (router.health.isAvailable(target.provider.id, target.model)) ordered.push(target);
  }
  return ordered;
}
