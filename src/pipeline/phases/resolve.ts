import { SluiceError } from "../../errors/sluice-error.js";
import type { ModelRoute, ModelTable } from "../../routing/models.js";
import type { Principal } from "../context.js";
import type { Phase } from "../phase.js";
import { validateChatRequest } from "../validate.js";

/**
 * A model name -> its route, for a principal. Unknown models and models the tenant may not use
 * get the same answer, so a tenant cannot probe which models other tenants have (the wording
 * follows OpenAI's).
 */
export function resolveModel(models: ModelTable, principal: Principal, name: string): ModelRoute {
  const route = principal.mayUse(name) ? models.resolve(name) : undefined;
  if (!route) {
    throw new SluiceError("model_not_found", `The model \`${name}\` does not exist or you do not have access to it.`, { param: "model" });
  }
  return route;
}

/** Checks the request and turns its model name into candidate targets. */
export function resolvePhase(models: ModelTable): Phase {
  return {
    name: "resolve",
    onRequest(ctx) {
      validateChatRequest(ctx.request);
      const route = resolveModel(models, ctx.principal!, ctx.request.model);
      ctx.targets = route.targets;
      ctx.strategy = route.strategy;
      ctx.contextWindow = route.contextWindow;
    },
  };
}
