import { orderTargets } from "../../routing/choose.js";
import type { Phase } from "../phase.js";

/** Orders the candidate targets: which provider to try first, and the fallbacks after it. */
export const routePhase: Phase = {
  name: "route",
  onRequest(ctx) {
    ctx.targets = orderTargets(ctx.targets);
  },
};
