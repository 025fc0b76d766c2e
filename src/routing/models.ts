import type { Config, ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import type { LimitScope } from "../core/principal.js";
import type { ProviderAdapter } from "../core/provider.js";
import type { Target } from "../core/target.js";

/** A model's targets and how to choose among them. */
export interface ModelRoute {
  strategy: "weighted" | "ordered";
  targets: Target[];
  /** Input + output tokens the model accepts; 0 when not checked. */
  contextWindow: number;
  /** Named `<provider id>/<model>` by the caller: the provider model name is the caller's. */
  direct: boolean;
  /** What to do with a request that does not fit `contextWindow` (absent: refuse it). */
  context?: ContextPolicy;
}

/** `models[].context`: drop messages, or send to a bigger alias, when a request does not fit. */
export interface ContextPolicy {
  alias: string;
  strategy: "refuse" | "drop_oldest" | "middle_out";
  reserveOutput: number;
  fallback?: { alias: string; route: ModelRoute };
}

/** A provider's own limits as a scope of its own partition (not a tenant's). */
function deploymentScope(p: ProviderConfig): LimitScope | undefined {
  if (!p.limits?.rpm && !p.limits?.tpm) return undefined;
  return {
    id: `deployment:${p.id}`,
    label: `provider ${p.id}`,
    partition: `deployment-${p.id}`,
    ...(p.limits.rpm ? { rpm: p.limits.rpm } : {}),
    ...(p.limits.tpm ? { tpm: p.limits.tpm } : {}),
  };
}

const NO_TIMEOUTS = { firstTokenMs: 0, idleMs: 0, totalMs: 0 };

/**
 * The model names callers can use: every alias from `models`, and `<provider id>/<model>`
 * for direct addressing of a configured provider.
 */
export class ModelTable {
  private readonly aliases = new Map<string, ModelRoute>();
  private readonly deploymentScopes = new Map<string, LimitScope>();

  constructor(
    config: Config,
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
  ) {
    const scopes = this.deploymentScopes;
    for (const p of config.providers) {
      const scope = deploymentScope(p);
      if (scope) scopes.set(p.id, scope);
    }
    for (const alias of config.models) {
      this.aliases.set(alias.alias, {
        strategy: alias.strategy === "ordered" ? "ordered" : "weighted",
        contextWindow: alias.contextWindow,
        direct: false,
        targets: alias.targets.map((t) => ({
          provider: providers.get(t.provider)!,
          model: t.model,
          weight: t.weight,
          timeouts: { firstTokenMs: t.timeouts?.firstTokenMs ?? 0, idleMs: t.timeouts?.idleMs ?? 0, totalMs: t.timeouts?.totalMs ?? 0 },
          ...(scopes.get(t.provider) ? { limitScope: scopes.get(t.provider)! } : {}),
        })),
      });
    }
    // Second pass: a fallback names another alias (check-config made sure it exists).
    for (const alias of config.models) {
      const c = alias.context;
      if (!c) continue;
      const fallback = c.fallback ? this.aliases.get(c.fallback) : undefined;
      this.aliases.get(alias.alias)!.context = {
        alias: alias.alias,
        strategy: c.strategy === "drop_oldest" || c.strategy === "middle_out" ? c.strategy : "refuse",
        reserveOutput: c.reserveOutput || 1024,
        ...(fallback ? { fallback: { alias: c.fallback, route: fallback } } : {}),
      };
    }
  }

  /** Candidate targets for a model name, in configured order; undefined when unknown. */
  resolve(model: string): ModelRoute | undefined {
    const route = this.aliases.get(model);
    if (route) return route;
    const slash = model.indexOf("/");
    if (slash > 0) {
      const provider = this.providers.get(model.slice(0, slash));
      if (provider && slash < model.length - 1) {
        const limitScope = this.deploymentScopes.get(provider.id);
        const target: Target = { provider, model: model.slice(slash + 1), weight: 1, timeouts: NO_TIMEOUTS, ...(limitScope ? { limitScope } : {}) };
        return { strategy: "ordered", contextWindow: 0, direct: true, targets: [target] };
      }
    }
    return undefined;
  }

  /** Alias names with the provider ids they route to. */
  list(): Array<{ id: string; providers: string[] }> {
    return [...this.aliases].map(([id, route]) => ({ id, providers: route.targets.map((t) => t.provider.id) }));
  }
}
