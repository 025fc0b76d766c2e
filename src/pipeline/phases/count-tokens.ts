import type { ChatTokenCounter } from "../../policy/index.js";
import type { Phase } from "../phase.js";

/** Input tokens of the request as its model's first target bills them (the `tokens` slot). */
export function countTokensPhase(counter: ChatTokenCounter): Phase {
  return {
    name: "count",
    async onRequest(ctx) {
      const target = ctx.targets[0]!;
      const count = await counter.count(ctx.request, target.provider.kind, target.model);
      ctx.tokenCount = { ...count, provider: target.provider.id, model: target.model };
    },
  };
}
