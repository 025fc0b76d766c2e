import type { ResponseCache } from "../cache/index.js";
import type { Logger } from "../core/logger.js";
import type { BudgetAlerts, LimitStore, PricingTable } from "../limits/index.js";
import type { KeyRing } from "../limits/keys.js";
import type { ChatTokenCounter, GuardSettings, GuardSlot, PiiSlot, RouterSlot } from "../policy/index.js";
import type { PromptLibrary } from "../prompts/index.js";
import type { ModelTable } from "../routing/models.js";
import type { Router } from "../routing/router.js";
import type { Ledger } from "../telemetry/ledger.js";
import type { GatewayMetrics } from "../telemetry/metrics.js";
import type { Phase } from "./phase.js";
import { admitPhase, measureChat, measureEmbed } from "./phases/admit.js";
import { authenticatePhase } from "./phases/authenticate.js";
import { cachePhase } from "./phases/cache.js";
import { countTokensPhase } from "./phases/count-tokens.js";
import { dispatchPhase } from "./phases/dispatch.js";
import { embedDispatchPhase } from "./phases/embed.js";
import { guardPhases } from "./phases/guard.js";
import { inspectEmbedPhase, inspectPhase, respondPhase } from "./phases/inspect.js";
import { listModelsPhase } from "./phases/list-models.js";
import { promptPhase } from "./phases/prompt.js";
import { resolveEmbedPhase, resolvePhase } from "./phases/resolve.js";
import { routePhase } from "./phases/route.js";
import { settlePhase } from "./phases/settle.js";

/** What the phases work with, built once by the composition root (src/app/create-gateway.ts). */
export interface PipelineServices {
  log: Logger;
  metrics: GatewayMetrics;
  /** The current key ring (the admin API swaps in a new one when keys change). */
  keys: () => KeyRing;
  models: ModelTable;
  router: Router;
  limits: LimitStore;
  alerts: BudgetAlerts;
  pricing: PricingTable;
  /** Output tokens reserved for a chat request that sets no maximum (`limits.default_output_reserve`). */
  defaultOutputReserve: number;
  tokenCounter: ChatTokenCounter;
  ledger: Ledger | undefined;
  /** The `pii` slot, when `policies.pii` is configured: the inspect and respond phases (chat), inspect (embed). */
  pii: PiiSlot | undefined;
  /** The `guard` slot and its settings, when `policies.guard` is configured: the guard and canary phases (chat). */
  guard?: { slot: GuardSlot; settings: GuardSettings } | undefined;
  /** The `router` slot, when `policies.router` is configured, with the aliases it routes. */
  routerSlot: { policy: RouterSlot; aliases: ReadonlySet<string> } | undefined;
  /** The response cache, when `cache` is configured: the cache phase. */
  cache: ResponseCache | undefined;
  /** Stored prompt templates (README, "Prompt templates"): the prompt phase renders `ChatRequest.prompt`. */
  prompts?: PromptLibrary;
}

/** Each operation's phases, in order. */
export interface OperationPhases {
  chat: readonly Phase[];
  embed: readonly Phase[];
  countTokens: readonly Phase[];
  listModels: readonly Phase[];
}

/**
 * The one place that says what every operation goes through. Phases a config leaves out (no
 * pii slot, no cache) are simply not in the list, so an unconfigured capability costs nothing.
 * `onRequest` runs top to bottom; `onSettle` bottom to top (settle prices the request first,
 * then admit reconciles the reservation with that price).
 */
export function operationPhases(s: PipelineServices): OperationPhases {
  const authenticate = authenticatePhase(s.keys);
  const admitDeps = { store: s.limits, pricing: s.pricing, alerts: s.alerts, log: s.log, metrics: s.metrics };
  const settleBilled = settlePhase({ metrics: s.metrics, pricing: s.pricing, ledger: s.ledger });
  const settleFree = settlePhase({ metrics: s.metrics, pricing: s.pricing });
  const resolve = resolvePhase(s.models);

  const prompt = s.prompts ? [promptPhase(s.prompts)] : [];
  const chat: Phase[] = [authenticate, ...prompt, resolve];
  if (s.pii) chat.push(inspectPhase(s.pii));
  const guard = s.guard && guardPhases({ ...s.guard, metrics: s.metrics });
  if (guard) chat.push(guard.guard);
  chat.push(admitPhase(admitDeps, measureChat(s.tokenCounter, s.defaultOutputReserve, s.log)));
  if (s.cache) chat.push(cachePhase(s.cache));
  if (guard) chat.push(guard.canary);
  chat.push(
    routePhase(s.router, s.routerSlot && { ...s.routerSlot, pricing: s.pricing, metrics: s.metrics }),
    dispatchPhase(s.router, s.metrics, { store: s.limits, defaultOutputReserve: s.defaultOutputReserve }),
  );
  if (s.pii) chat.push(respondPhase());
  chat.push(settleBilled);

  return {
    chat,
    embed: [
      authenticate,
      resolveEmbedPhase(s.models),
      ...(s.pii ? [inspectEmbedPhase(s.pii)] : []),
      admitPhase(admitDeps, measureEmbed),
      embedDispatchPhase(s.metrics),
      settleBilled,
    ],
    countTokens: [authenticate, ...prompt, resolve, countTokensPhase(s.tokenCounter), settleFree],
    listModels: [authenticate, listModelsPhase(s.models), settleFree],
  };
}
