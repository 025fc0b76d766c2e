import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { Logger } from "../core/logger.js";
import { ResponseCache, registerCacheMetrics } from "../cache/index.js";
import { cacheOptions } from "../cache/from-config.js";
import {
  BudgetAlerts,
  MemoryLimitStore,
  RedisLimitStore,
  ResilientLimitStore,
  createLimitsRedis,
  type LimitStore,
} from "../limits/index.js";
import { pricingTable } from "../limits/from-config.js";
import { FileKeyStore, RedisKeyStore } from "../limits/key-store.js";
import { KeyRing } from "../limits/keys.js";
import { Principals } from "../limits/principals.js";
import {
  ChatTokenCounter,
  LocalVersionStore,
  PolicyHost,
  RedisVersionStore,
  configuredSlots,
  piiRules,
  slotConfig,
  type ConfiguredSlot,
} from "../policy/index.js";
import { LocalPromptStore, PromptLibrary, RedisPromptStore } from "../prompts/index.js";
import { createAdapter } from "../providers/registry.js";
import { ModelTable } from "../routing/models.js";
import { routingSettings } from "../routing/settings.js";
import { Router } from "../routing/router.js";
import { createLedger } from "../telemetry/ledger-setup.js";
import { GatewayMetrics } from "../telemetry/metrics.js";
import { modelLabelsOf } from "../telemetry/model-labels.js";
import { aggregateUsage, readFileLedger, readRedisLedger } from "../telemetry/usage-query.js";
import { Gateway } from "../pipeline/gateway.js";

/**
 * The composition root: builds every service of a gateway once, from a checked config, and
 * wires them into the pipeline. `sluice serve`, the tests and the benchmarks all start here.
 *
 * State is in memory for one process; with `redis.url`, limits (exact across replicas, with the
 * configured fault mode), keys, policy module versions and a ledger stream move to Redis. The
 * ledger's local JSON-lines file under `<data_dir>/usage` is always written.
 */
export async function createGateway(config: Config, log: Logger): Promise<Gateway> {
  const closers: Array<() => Promise<unknown>> = [];
  const redis = config.redis?.url ? await connectRedis(config.redis.url, log) : undefined;
  const limits = limitStore(config, redis);
  const ledger = createLedger({
    dir: join(config.dataDir, "usage"),
    redis,
    onError: (err, sink) => log.warn({ err: (err as Error).message, sink }, "usage ledger write failed; will retry"),
  });
  const keyStore = redis ? new RedisKeyStore(redis) : new FileKeyStore(join(config.dataDir, "keys.json"));
  const principals = new Principals(config, keyStore, (err, during) =>
    during === "load"
      ? log.error({ err }, "loading API keys failed")
      : log.warn({ err: (err as Error).message }, "reloading API keys failed; the current keys keep serving, trying again"),
  );
  const adminKeys = new KeyRing();
  for (const key of config.admin?.keys ?? []) {
    adminKeys.add(key.hash, { tenant: "", keyId: key.id, mayUse: () => false, scopes: [], tags: {} });
  }
  const slots = configuredSlots(config.policies);
  const policy = slots.length > 0 ? await startPolicyHost(config, slots, redis !== undefined, log) : undefined;
  const cache = config.cache ? await ResponseCache.open(cacheOptions(config), { log }) : undefined;
  const tokenCounter = new ChatTokenCounter(policy?.has("tokens") ? policy.tokens() : null);
  const providers = new Map(config.providers.map((p) => [p.id, createAdapter(p)]));
  const metrics = new GatewayMetrics(modelLabelsOf(config, providers));
  const router = new Router(routingSettings(config.routing));
  metrics.observeBreakers(() => router.health.snapshot());
  if (cache) registerCacheMetrics(cache, metrics.registry);
  await principals.reload();
  // Prompt versions: in Redis when configured (one push reaches every replica), else the data dir.
  const prompts = new PromptLibrary(redis ? await RedisPromptStore.connect(redis) : new LocalPromptStore(config.dataDir));

  // Closed in this order: what serves requests first, the stores they write to last.
  closers.push(
    () => Promise.allSettled([...providers.values()].map((p) => p.close())),
    () => ledger.close(),
    () => keyStore.close(),
    async () => policy?.close(),
    async () => cache?.close(),
    () => tokenCounter.close(),
    () => limits.close(),
    () => prompts.close(),
    async () => redis?.quit().catch(() => undefined),
  );

  const routerSettings = config.policies?.router;
  return new Gateway({
    log,
    metrics,
    keys: () => principals.ring,
    models: new ModelTable(config, providers),
    router,
    limits,
    alerts: new BudgetAlerts({ webhookUrl: config.limits?.alertWebhookUrl || undefined, logger: log }),
    pricing: pricingTable(config),
    defaultOutputReserve: config.limits?.defaultOutputReserve || 1024,
    tokenCounter,
    ledger,
    pii: policy && config.policies?.pii ? policy.pii(piiRules(config.policies.pii)) : undefined,
    routerSlot:
      policy && routerSettings
        ? { policy: policy.router(routerSettings.aliases), aliases: new Set(config.models.map((m) => m.alias)) }
        : undefined,
    cache,
    prompts,
    principals,
    adminKeys,
    policy,
    usage: (query) =>
      aggregateUsage(redis ? readRedisLedger(redis, query) : readFileLedger(join(config.dataDir, "usage"), query), query),
    close: async () => {
      for (const close of closers) await close();
    },
  });
}

async function connectRedis(url: string, log: Logger): Promise<Redis> {
  let warned = false;
  const redis = await createLimitsRedis(url, {
    onError: (err) => {
      // ioredis reports every reconnect attempt; one line per outage is enough.
      if (!warned) log.warn({ err: err.message }, "redis unavailable");
      warned = true;
    },
  });
  redis.on("ready", () => (warned = false));
  return redis;
}

function limitStore(config: Config, redis: Redis | undefined): LimitStore {
  if (!redis) return new MemoryLimitStore();
  return new ResilientLimitStore({
    primary: new RedisLimitStore({ redis }),
    mode: config.limits?.redisFaultMode === "fail-closed" ? "fail-closed" : "fail-open",
    redis,
  });
}

/** The WASM policy host with the configured slots; module versions in Redis or the data dir. */
async function startPolicyHost(config: Config, slots: ConfiguredSlot[], useRedis: boolean, log: Logger): Promise<PolicyHost> {
  let store: LocalVersionStore | RedisVersionStore = new LocalVersionStore(config.dataDir);
  if (useRedis) {
    try {
      store = await RedisVersionStore.connect(config.redis!.url);
    } catch (err) {
      // The tokens slot is always on: an unreachable Redis must not keep the gateway from
      // starting (limits fail open the same way). This replica serves the data dir's versions.
      log.error({ err: (err as Error).message }, "policy versions: Redis unreachable at start; serving the module versions of the data dir (fleet pushes reach this replica after a restart)");
    }
  }
  const host = await PolicyHost.start({
    slots: slots.map(slotConfig),
    store,
    onError: (slot, err) => log.error({ slot, err }, "a policy module activation could not be applied; the previous version keeps serving"),
  });
  for (const { slot, settings } of slots) if (settings.watchDir) host.watchDirectory(slot, settings.watchDir, log);
  return host;
}
