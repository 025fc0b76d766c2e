import { SluiceError } from "../../errors/sluice-error.js";
import { requireModelName } from "../../providers/model-names.js";
import type { ModelRoute, ModelTable } from "../../routing/models.js";
import type { Principal } from "../../core/principal.js";
import type { Phase } from "../phase.js";
import { validateChatRequest } from "../validate.js";

/**
 * A model name -> its route, for a principal. Unknown models and models the tenant may not use
 * get the same answer, so a tenant cannot probe which models other tenants have (the wording
 * follows OpenAI's). A provider model named directly (`<provider id>/<model>`) must be a name
 * its provider kind accepts (src/providers/model-names.ts), else `invalid_request` on `model`.
 */
function resolveModel(models: ModelTable, principal: Principal, name: string): ModelRoute {
  const route = principal.mayUse(name) ? models.resolve(name) : undefined;
  if (!route) {
    throw new SluiceError("model_not_found", `The model \`${name}\` does not exist or you do not have access to it.`, { param: "model" });
  }
  if (route.direct) for (const t of route.targets) requireModelName(t.provider.kind, t.model);
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
      ctx.contextPolicy = route.context;
    },
  };
}

/**
 * Embeddings: checks the request and keeps the model's targets that serve embeddings, in the
 * model's order (embeddings are not routed: the first that answers is used).
 */
export function resolveEmbedPhase(models: ModelTable): Phase {
  return {
    name: "resolve",
    onRequest(ctx) {
      const request = ctx.embedRequest!;
      if (!request.model) throw new SluiceError("invalid_request", "model is required", { param: "model" });
      if (request.inputs.length === 0) throw new SluiceError("invalid_request", "input must not be empty", { param: "input" });
      const targets = resolveModel(models, ctx.principal!, request.model).targets.filter((t) => t.provider.embed);
      if (targets.length === 0) throw new SluiceError("invalid_request", `the model \`${request.model}\` does not serve embeddings`, { param: "model" });
      ctx.targets = targets;
    },
  };
}
