import type { ApiKeyConfig, BudgetConfig, Config, RateLimitsConfig, TenantConfig } from "../gen/sluice/v1/config_pb.js";
import type { Principal as KeyGrant } from "../core/principal.js";
import type { PricingTable } from "./pricing.js";
import type { BudgetSpec, LimitScope } from "../core/principal.js";

/** The config's pricing map in the pricing module's shape. */
export function pricingTable(config: Config): PricingTable {
  const table: PricingTable = {};
  for (const [model, p] of Object.entries(config.pricing)) {
    table[model] = {
      input_per_mtok: p.inputPerMtok,
      output_per_mtok: p.outputPerMtok,
      ...(p.cachedInputPerMtok !== undefined ? { cached_input_per_mtok: p.cachedInputPerMtok } : {}),
      ...(p.cacheWritePerMtok !== undefined ? { cache_write_per_mtok: p.cacheWritePerMtok } : {}),
    };
  }
  return table;
}

/**
 * A configured key's grant: its tenant, model access, tags, expiry, and the limit scopes its
 * requests are admitted against — the key's own limits and the tenant's, both in the tenant's
 * partition so one store call admits them together.
 */
export function keyGrant(tenant: TenantConfig, key: ApiKeyConfig, mayUse: (model: string) => boolean): KeyGrant {
  const scopes: LimitScope[] = [];
  const keyScope = scope(`key:${key.id}`, `key ${key.id}`, tenant.id, key.limits, key.budget);
  if (keyScope) scopes.push(keyScope);
  const tenantScope = scope(`tenant:${tenant.id}`, `tenant ${tenant.id}`, tenant.id, tenant.limits, tenant.budget);
  if (tenantScope) scopes.push(tenantScope);
  const expiresAtMs = key.expiresAt ? Date.parse(key.expiresAt) : undefined;
  return { tenant: tenant.id, keyId: key.id, mayUse, scopes, tags: { ...key.tags }, ...(expiresAtMs !== undefined ? { expiresAtMs } : {}) };
}

function scope(id: string, label: string, partition: string, limits: RateLimitsConfig | undefined, budget: BudgetConfig | undefined): LimitScope | undefined {
  const spec: BudgetSpec = {};
  if (budget?.dailyUsd) spec.dailyUsd = budget.dailyUsd;
  if (budget?.monthlyUsd) spec.monthlyUsd = budget.monthlyUsd;
  if (budget?.lifetimeUsd) spec.lifetimeUsd = budget.lifetimeUsd;
  if (budget?.softThresholds.length) spec.softThresholds = budget.softThresholds;
  const hasBudget = spec.dailyUsd !== undefined || spec.monthlyUsd !== undefined || spec.lifetimeUsd !== undefined;
  if (!limits?.rpm && !limits?.tpm && !hasBudget) return undefined;
  return {
    id,
    label,
    partition,
    ...(limits?.rpm ? { rpm: limits.rpm } : {}),
    ...(limits?.tpm ? { tpm: limits.tpm } : {}),
    ...(hasBudget ? { budget: spec } : {}),
  };
}

/** Every configured limit scope with a budget (tenants', config keys'), with its tenant: what the budget gauges read. */
export function budgetScopes(config: Config): Array<{ tenant: string; scope: LimitScope & { budget: BudgetSpec } }> {
  const found: Array<{ tenant: string; scope: LimitScope & { budget: BudgetSpec } }> = [];
  for (const tenant of config.tenants) {
    const own = scope(`tenant:${tenant.id}`, `tenant ${tenant.id}`, tenant.id, undefined, tenant.budget);
    if (own?.budget) found.push({ tenant: tenant.id, scope: own as LimitScope & { budget: BudgetSpec } });
    for (const key of tenant.keys) {
      const keyScope = scope(`key:${key.id}`, `key ${key.id}`, tenant.id, undefined, key.budget);
      if (keyScope?.budget) found.push({ tenant: tenant.id, scope: keyScope as LimitScope & { budget: BudgetSpec } });
    }
  }
  return found;
}
