import { create } from "@bufbuild/protobuf";
import { ProviderHealthSnapshotSchema, TargetHealthSchema, type ProviderHealthSnapshot, type TargetHealth } from "../gen/sluice/v1/admin_pb.js";
import type { Gateway } from "../pipeline/gateway.js";

const DEFAULT_INTERVAL_MS = 1000;
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 60_000;

/**
 * Every target's health as the router sees it: the configured aliases' targets (healthy and
 * unseen ones too) and any direct `provider/model` target the health table has met.
 */
function providerHealth(gateway: Gateway, now = Date.now()): ProviderHealthSnapshot {
  const rows = new Map<string, TargetHealth>();
  const key = (provider: string, model: string) => `${provider}\u0000${model}`;
  for (const { id: alias } of gateway.models.list()) {
    for (const t of gateway.models.resolve(alias)?.targets ?? []) {
      const k = key(t.provider.id, t.model);
      const row = rows.get(k) ?? create(TargetHealthSchema, { provider: t.provider.id, model: t.model, breaker: "closed", remainingTokens: -1n });
      if (!row.aliases.includes(alias)) row.aliases.push(alias);
      rows.set(k, row);
    }
  }
  for (const s of gateway.router.health.snapshot()) {
    const k = key(s.provider, s.model);
    const row = rows.get(k) ?? create(TargetHealthSchema, { provider: s.provider, model: s.model });
    row.breaker = s.breaker;
    row.latencyEwmaMs = s.ttftMs;
    row.errorRate = s.errorRate;
    row.attempts = BigInt(s.attempts);
    row.consecutiveFailures = s.consecutiveFailures;
    row.inflight = s.inflight;
    row.remainingTokens = s.remainingTokens >= 0 && now < s.remainingResetAt ? BigInt(s.remainingTokens) : -1n;
    row.unavailableUntil = s.unavailableUntil > now ? new Date(s.unavailableUntil).toISOString() : "";
    rows.set(k, row);
  }
  return create(ProviderHealthSnapshotSchema, { at: new Date(now).toISOString(), targets: [...rows.values()] });
}

/** One snapshot at once, then one per interval, until the client cancels or the server stops the call. */
export async function* watchProviderHealth(gateway: Gateway, intervalMs: number, signal: AbortSignal): AsyncGenerator<ProviderHealthSnapshot> {
  const every = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, intervalMs || DEFAULT_INTERVAL_MS));
  while (!signal.aborted) {
    yield providerHealth(gateway);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, every);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
