/**
 * Who is calling, and what limits a request of theirs is admitted against. Keys resolve to a
 * principal (src/limits/keys.ts); the pipeline's authenticate phase puts it on the request.
 */
export interface Principal {
  tenant: string;
  keyId: string;
  /** Whether the principal may use a model name (alias or provider/model). */
  mayUse(model: string): boolean;
  /** Limit scopes a request is admitted against (key, tenant); empty when unlimited. */
  scopes: LimitScope[];
  /** Tags recorded with the principal's requests (the key's tags). */
  tags: Record<string, string>;
  /** Epoch ms after which the key is refused (absent: never). */
  expiresAtMs?: number;
}

/**
 * One thing that is limited: a key, a tenant, a provider deployment. Scopes sharing a
 * `partition` are admitted atomically in one Redis script; on Redis Cluster the partition is the
 * hash tag (`{partition}`), so use the tenant id for key and tenant scopes, and the deployment id
 * for a deployment scope.
 */
export interface LimitScope {
  /** Stable unique id, e.g. `tenant:acme`, `key:acme-ci`, `deployment:openai-main`. No `{` `}`. */
  id: string;
  /** Human name used in refusals, e.g. `tenant acme`. */
  label: string;
  /** Hash tag / atomicity group; see above. No `{` `}`. */
  partition: string;
  /** Requests per minute (token bucket, burst = the full minute). */
  rpm?: number;
  /** Tokens per minute (token bucket, burst = the full minute). */
  tpm?: number;
  budget?: BudgetSpec;
}

/** Spend caps in USD. Each cap is optional; a missing cap is not enforced. */
export interface BudgetSpec {
  dailyUsd?: number;
  monthlyUsd?: number;
  lifetimeUsd?: number;
  /**
   * Soft thresholds as fractions of each cap (e.g. `[0.5, 0.8]`). Crossing one is reported by
   * `settle` once (the atomic counter update sees the crossing exactly once, fleet-wide).
   * Reaching the hard cap itself is always reported, as threshold `1`.
   */
  softThresholds?: number[];
}
