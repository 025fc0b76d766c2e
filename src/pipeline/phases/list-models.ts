import type { ModelTable } from "../../routing/models.js";
import type { Phase } from "../phase.js";

/** The model names the principal may use (a tenant sees only what its `models` allow). */
export function listModelsPhase(models: ModelTable): Phase {
  return {
    name: "list",
    onRequest(ctx) {
      ctx.modelList = models.list().filter((m) => ctx.principal!.mayUse(m.id));
    },
  };
}
