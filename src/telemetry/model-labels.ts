import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { ProviderAdapter } from "../core/provider.js";

/**
 * Model names as metric labels and ledger values: always from a bounded set, so a caller
 * cannot grow `/metrics` (or the ledger's `modelRequested`) with names of its own making.
 *
 * - a configured alias: the alias;
 * - `<provider id>/<model>` of a configured provider: as asked when the model is one the
 *   provider is known to serve (a target of a configured alias, or the adapter's
 *   `knownModels()`), else `<provider id>/other`;
 * - anything else (no such alias or provider, garbage): `unknown`;
 * - no model asked (listing models): "".
 */
const UNKNOWN_MODEL = "unknown";

interface LabelSource {
  /** Configured aliases. */
  aliases: Iterable<string>;
  /** Provider id -> the models it is known to serve (configured targets, adapter's known models). */
  providers: ReadonlyMap<string, Iterable<string>>;
}

export class ModelLabels {
  private readonly aliases: ReadonlySet<string>;
  private readonly providers = new Map<string, ReadonlySet<string>>();

  constructor(source: LabelSource) {
    this.aliases = new Set(source.aliases);
    for (const [id, models] of source.providers) this.providers.set(id, new Set(models));
  }

  /** The label of a model name as the caller sent it (alias or provider/model). */
  requested(name: string): string {
    if (name === "") return "";
    if (this.aliases.has(name)) return name;
    const slash = name.indexOf("/");
    if (slash <= 0) return UNKNOWN_MODEL;
    const provider = name.slice(0, slash);
    const known = this.providers.get(provider);
    if (!known) return UNKNOWN_MODEL;
    return known.has(name.slice(slash + 1)) ? name : `${provider}/other`;
  }

  /** The label of a provider model a target was tried with (the breaker and capacity gauges). */
  target(provider: string, model: string): string {
    return this.providers.get(provider)?.has(model) ? model : "other";
  }
}

/** The labels of a config: its aliases, its providers with their targets' and adapters' known models. */
export function modelLabelsOf(config: Config, adapters: ReadonlyMap<string, Pick<ProviderAdapter, "knownModels">>): ModelLabels {
  const providers = new Map<string, string[]>(config.providers.map((p) => [p.id, [...(adapters.get(p.id)?.knownModels?.() ?? [])]]));
  for (const alias of config.models) for (const t of alias.targets) providers.get(t.provider)?.push(t.model);
  return new ModelLabels({ aliases: config.models.map((m) => m.alias), providers });
}
