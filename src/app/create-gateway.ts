import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { Logger } from "../core/logger.js";
import { ConfigError } from "../config/load.js";
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
import { budgetScopes, pricingTable } from "../limits/from-config.js";
import { FileKeyStore, RedisKeyStore, type KeyStore } from "../limits/key-store.js";
import { KeyRing } from "../limits/keys.js";
import { Principals } from "../limits/principals.js";
import {
  ChatTokenCounter,
  LocalVersionStore,
  PolicyHost,
  RedisVersionStore,
  configuredSlots,
  guardSettings,
  piiRules,
  slotConfig,
  slotInitFromConfig,
  type ConfiguredSlot,
  type VersionStore,
} from "../policy/index.js";
import { LocalPromptStore, PromptLibrary, RedisPromptStore } from "../prompts/index.js";
import { createAdapter } from "../providers/registry.js";
import { ModelTable } from "../routing/models.js";
import { routingSettings } from "../routing/settings.js";
import { Router } from "../routing/router.js";
import { createLedger } from "../telemetry/ledger-setup.js";
import type { LedgerSink } from "../telemetry/ledger.js";
import { GatewayMetrics } from "../telemetry/metrics.js";
import { modelLabelsOf } from "../telemetry/model-labels.js";
import { startGenAiMetrics, type GenAiMetrics } from "../telemetry/otel-metrics.js";
import { otelMetricsSettings, type OtelMetricsSettings } from "../telemetry/otel-metrics-settings.js";
import { aggregateUsage, readFileLedger, readRedisLedger } from "../telemetry/usage-query.js";
import { Gateway } from "../pipeline/gateway.js";
import type { McpGateway } from "../mcp/mcp-gateway.js";
import { mcpSettings } from "../mcp/settings.js";

/**
 * The composition root: builds every service of a gateway once, from a checked config, and
 * wires them into the pipeline. `sluice serve`, the tests and the benchmarks all start here.
 *
 * State is in memory for one process; with `redis.url`, limits (exact across replicas, with the
 * configured fault mode), keys, policy module versions and a ledger stream move to Redis. The
 * ledger's local JSON-lines file under `<data_dir>/usage` is always written. With `mcp.servers`,
 * the MCP gateway is built beside the pipeline from the same limits, ledger, metrics and pii slot.
 *
 * A worker of `sluice serve --workers N` passes `shared`: the parts its primary owns for every
 * worker (src/app/cluster/). One process passes nothing and builds everything here, as before.
 */
export async function createGateway(config: Config, log: Logger, shared: SharedParts = {}): Promise<{ gateway: Gateway; mcp: McpGateway | undefined }> {
  const closers: Array<() => Promise<unknown>> = [];
  // Checked before anything is opened: a bad OTEL_* variable fails the start cleanly.
  const otel = otelMetricsSettings(config.telemetry?.otelMetrics, process.env);
  if (otel.problems.length > 0) throw new ConfigError("telemetry.otel_metrics and the OTEL_* environment", otel.problems);
  const redis = config.redis?.url ? await connectRedis(config.redis.url, log) : undefined;
  const limits = shared.limits ?? limitStore(config, redis);
  const ledger = createLedger({
    dir: join(config.dataDir, "usage"),
    local: shared.ledgerFile,
    redis,
    onError: (err, sink) => log.warn({ err: (err as Error).message, sink }, "usage ledger write failed; will retry"),
  });
  const keyStore = shared.keyStore ?? (redis ? new RedisKeyStore(redis) : new FileKeyStore(join(config.dataDir, "keys.json")));
  const principals = new Principals(config, keyStore, (err, during) =>
    during === "load"
      ? log.error({ err }, "loading API keys failed")
      : log.warn({ err: (err as Error).message }, "reloading API keys failed; the current keys keep serving, trying again"),
  );
  const adminKeys = new KeyRing();
  for (const key of config.admin?.keys ?? []) {
    adminKeys.add(key.hash, { tenant: "", keyId: key.id, mayUse: () => false, scopes: [], tags: {} });
  }
  const providers = new Map(config.providers.map((p) => [p.id, createAdapter(p)]));
  const metrics = new GatewayMetrics(modelLabelsOf(config, providers));
  const slots = configuredSlots(config.policies);
  const policy = slots.length > 0 ? await startPolicyHost(config, slots, redis !== undefined, log, shared.versionStore, metrics) : undefined;
  const cache = config.cache ? await ResponseCache.open(shared.persistCache === false ? { ...cacheOptions(config), dataDir: undefined } : cacheOptions(config), { log }) : undefined;
  // The tokens slot starts on first use; a config that counts tokens on every request (keys with
  // limits or budgets, context windows, provider limits) starts it now instead.
  if (policy?.has("tokens") && countsTokensPerRequest(config)) await policy.slot("tokens").warm();
  const tokenCounter = new ChatTokenCounter(policy?.has("tokens") ? policy.tokens() : null);
  const router = new Router(routingSettings(config.routing));
  metrics.observeBreakers(() => router.health.snapshot());
  observeStores(metrics, config, limits, redis);
  if (otel.settings) metrics.genAi = await startOtelMetrics(otel.settings, config, log);
  if (cache) registerCacheMetrics(cache, metrics.registry);
  await principals.reload();
  const pii = policy && config.policies?.pii ? policy.pii(piiRules(config.policies.pii)) : undefined;
  const mcpConfig = mcpSettings(config);
  // The MCP SDK is loaded only when MCP servers are configured (it costs RSS: bench:memory).
  const mcp = mcpConfig ? new (await import("../mcp/mcp-gateway.js")).McpGateway({ settings: mcpConfig, log, registry: metrics.registry, limits, ledger, pii }) : undefined;
  mcp?.start();
  // Prompt versions: in Redis when configured (one push reaches every replica), else the data dir.
  const prompts = new PromptLibrary(redis ? await RedisPromptStore.connect(redis) : new LocalPromptStore(config.dataDir));

  // Closed in this order: what serves requests first, the stores they write to last.
  closers.push(
    async () => mcp?.close(),
    () => Promise.allSettled([...providers.values()].map((p) => p.close())),
    async () => metrics.genAi?.shutdown().catch((err) => log.warn({ err: (err as Error).message }, "the last OTLP metrics export failed")),
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
  const gateway = new Gateway({
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
    pii,
    guard: policy && config.policies?.guard ? { slot: policy.guard(config.policies.guard), settings: guardSettings(config.policies.guard) } : undefined,
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
  return { gateway, mcp };
}

/** Whether admission counts input tokens on requests (src/pipeline/phases/admit.ts): callers with limits or budgets, context windows, provider limits. */
function countsTokensPerRequest(config: Config): boolean {
  return config.tenants.length > 0 || config.models.some((m) => m.contextWindow > 0) || config.providers.some((p) => p.limits !== undefined);
}

/**
 * What a cluster worker takes from its primary instead of building it (see src/app/cluster/).
 * Absent parts are built as for one process.
 */
export interface SharedParts {
  /** Without Redis: the primary's counters, over IPC (limits/ipc-store.ts). */
  limits?: LimitStore;
  /** Without Redis: the primary's keys.json, with change notices to every worker. */
  keyStore?: KeyStore;
  /** Without Redis: the primary's policy versions, with activations relayed to every worker. */
  versionStore?: VersionStore;
  /** Replaces the ledger's file sink: records go to the primary, the one writer of the files. */
  ledgerFile?: LedgerSink;
  /** False: the cache persists nothing under data_dir (only one worker writes its files). Default true. */
  persistCache?: boolean;
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

/** Redis up/down and budget use vs cap, read by `/metrics` at scrape time. */
function observeStores(metrics: GatewayMetrics, config: Config, limits: LimitStore, redis: Redis | undefined): void {
  if (redis) metrics.observeRedis(() => redis.status === "ready");
  const budgeted = budgetScopes(config);
  if (budgeted.length === 0) return;
  const periods = [
    ["daily", "dailyUsd"],
    ["monthly", "monthlyUsd"],
    ["lifetime", "lifetimeUsd"],
  ] as const;
  metrics.observeBudgets(async () => {
    const states = await Promise.all(budgeted.map((b) => limits.budgetState(b.scope)));
    return budgeted.flatMap((b, i) =>
      periods.flatMap(([period, cap]) => {
        const limitUsd = b.scope.budget[cap];
        if (limitUsd === undefined) return [];
        const state = states[i]![period];
        return [{ tenant: b.tenant, scope: b.scope.id, period, usedUsd: state.spentUsd + state.heldUsd, limitUsd }];
      }),
    );
  });
}

/** The OTLP GenAI metrics, when an endpoint is configured (section or OTEL_* variables); without one, nothing of the SDK is loaded. */
async function startOtelMetrics(settings: OtelMetricsSettings, config: Config, log: Logger): Promise<GenAiMetrics> {
  const kinds = new Map(config.providers.map((p) => [p.id, p.kind]));
  const genAi = await startGenAiMetrics(settings, kinds);
  log.info({ url: settings.url, protocol: settings.protocol, interval_ms: settings.exportIntervalMs }, "exporting GenAI metrics over OTLP");
  return genAi;
}

/** The WASM policy host with the configured slots; module versions in Redis or the data dir. */
async function startPolicyHost(config: Config, slots: ConfiguredSlot[], useRedis: boolean, log: Logger, shared: VersionStore | undefined, metrics: GatewayMetrics): Promise<PolicyHost> {
  let store: VersionStore = shared ?? new LocalVersionStore(config.dataDir);
  if (useRedis && !shared) {
    try {
      store = await RedisVersionStore.connect(config.redis!.url);
    } catch (err) {
      // The tokens slot is always on: an unreachable Redis must not keep the gateway from
      // starting (limits fail open the same way). This replica serves the data dir's versions.
      log.error({ err: (err as Error).message }, "policy versions: Redis unreachable at start; serving the module versions of the data dir (fleet pushes reach this replica after a restart)");
    }
  }
  const host = await PolicyHost.start({
    slots: slots.map((s) => ({ ...slotConfig(s), ...slotInitFromConfig(s.slot, config.policies) })),
    store,
    onError: (slot, err) => log.error({ slot, err }, "a policy module activation could not be applied; the previous version keeps serving"),
    observeCalls: (slot) => metrics.policyCallObserver(slot),
  });
  for (const { slot, settings } of slots) if (settings.watchDir) host.watchDirectory(slot, settings.watchDir, log);
  return host;
}
