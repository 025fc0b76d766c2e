import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { ProviderAdapter } from "../providers/adapter.js";
import type { Target } from "../pipeline/context.js";

/**
 * The model names callers can use: every alias from `models`, and `<provider id>/<model>`
 * for direct addressing of a configured provider.
 */
export class ModelTable {
  private readonly aliases = new Map<string, Target[]>();

  constructor(
    config: Config,
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
  ) {
    for (const alias of config.models) {
      this.aliases.set(
        alias.alias,
        alias.targets.map((t) => ({ provider: providers.get(t.provider)!, model: t.model, weight: t.weight })),
      );
    }
  }

  /** Candidate targets for a model name, in configured order; undefined when unknown. */
  resolve(model: string): Target[] | undefined {
    const targets = this.aliases.get(model);
    if (targets) return targets;
    const slash = model.indexOf("/");
    if (slash > 0) {
      const provider = this.providers.get(model.slice(0, slash));
      if (provider && slash < model.length - 1) return [{ provider, model: model.slice(slash + 1), weight: 1 }];
    }
    return undefined;
  }

  /** Alias names with the provider ids they route to. */
  list(): Array<{ id: string; providers: string[] }> {
    return [...this.aliases].map(([id, targets]) => ({ id, providers: targets.map((t) => t.provider.id) }));
  }
}
