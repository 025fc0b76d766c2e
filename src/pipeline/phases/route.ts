import { SluiceError } from "../../errors/sluice-error.js";
import type { Router } from "../../routing/router.js";
import type { Phase } from "../phase.js";

/** Orders the candidate targets: which provider to try first, and the fallbacks after it. */
export function routePhase(router: Router): Phase {
  return {
    name: "route",
    onRequest(ctx) {
      const candidates = ctx.targets;
      ctx.targets = router.order(candidates, ctx.strategy);
      if (ctx.targets.length === 0) {
        const waitMs = Math.min(...candidates.map((t) => router.health.stats(t.provider.id, t.model).unavailableUntil)) - Date.now();
        throw new SluiceError("upstream_unavailable", `every target of ${ctx.request.model} is failing or cooling down; try again later`, {
          retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
        });
      }
    },
  };
}
