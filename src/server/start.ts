import type { Config } from "../gen/sluice/v1/config_pb.js";
import { Gateway } from "../pipeline/gateway.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { GatewayMetrics } from "../telemetry/metrics.js";
import { parseListen } from "./listen-address.js";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { BudgetAlerts, MemoryLimitStore, RedisLimitStore, ResilientLimitStore, createLimitsRedis, type LimitStore } from "../limits/index.js";
import { createLedger } from "../telemetry/ledger-setup.js";
import { FileKeyStore, RedisKeyStore } from "../limits/key-store.js";
import { LocalVersionStore, PolicyHost, RedisVersionStore } from "../policy/index.js";
import { configuredSlots, slotConfig, type ConfiguredSlot } from "../policy/from-config.js";
import { ResponseCache, registerCacheMetrics } from "../cache/index.js";
import { cacheOptions } from "../cache/from-config.js";
import type { GatewayServices } from "../pipeline/gateway.js";
import { startServer, type RunningServer } from "./server.js";

export interface RunningGateway extends RunningServer {
  readonly gateway: Gateway;
  readonly log: Logger;
}

/** Builds the gateway from a checked config and serves it. `port` overrides the config's. */
export async function startGateway(config: Config, overrides: { port?: number | undefined; logger?: Logger } = {}): Promise<RunningGateway> {
  const server = config.server!;
  const listen = parseListen(server.listen)!;
  if (overrides.port !== undefined) listen.port = overrides.port;
  const log = overrides.logger ?? createLogger(config.telemetry?.logLevel || "info");
  const services = await buildServices(config, log);
  const metrics = new GatewayMetrics();
  const gateway = new Gateway(config, metrics, log, services);
  if (services.cache) registerCacheMetrics(services.cache, metrics.registry);
  await gateway.principals.reload();
  const running = await startServer(gateway, {
    listen,
    tls: server.tls ? { cert: server.tls.cert, key: server.tls.key } : undefined,
    maxBodyBytes: server.maxBodyBytes,
    drainTimeoutMs: server.drainTimeoutMs,
  });
  log.info({ url: running.url, providers: config.providers.map((p) => p.id), keys: gateway.principals.ring.size }, "sluice listening");
  log.flush();
  return {
    ...running,
    gateway,
    log,
    async close() {
      await running.close();
      await gateway.close();
      await services.redis?.quit().catch(() => undefined);
    },
  };
}

/**
 * Shared state from the config: in memory for one process; with `redis.url`, limits (exact
 * across replicas, with the configured fault mode) and a ledger stream in Redis. The ledger's
 * local JSON-lines file under `<data_dir>/usage` is always written.
 */
async function buildServices(config: Config, log: Logger): Promise<GatewayServices> {
  let redis: Redis | undefined;
  let limits: LimitStore = new MemoryLimitStore();
  if (config.redis?.url) {
    let warned = false;
    redis = await createLimitsRedis(config.redis.url, {
      onError: (err) => {
        // ioredis reports every reconnect attempt; one line per outage is enough.
        if (!warned) log.warn({ err: err.message }, "redis unavailable");
        warned = true;
      },
    });
    redis.on("ready", () => (warned = false));
    limits = new ResilientLimitStore({
      primary: new RedisLimitStore({ redis }),
      mode: config.limits?.redisFaultMode === "fail-closed" ? "fail-closed" : "fail-open",
      redis,
    });
  }
  const ledger = createLedger({
    dir: join(config.dataDir, "usage"),
    redis,
    onError: (err, sink) => log.warn({ err: (err as Error).message, sink }, "usage ledger write failed; will retry"),
  });
  const alerts = new BudgetAlerts({ webhookUrl: config.limits?.alertWebhookUrl || undefined, logger: log });
  const keyStore = redis ? new RedisKeyStore(redis) : new FileKeyStore(join(config.dataDir, "keys.json"));
  const slots = configuredSlots(config.policies);
  const policy = slots.length > 0 ? await startPolicyHost(config, slots, log) : undefined;
  const cache = config.cache ? await ResponseCache.open(cacheOptions(config), { log }) : undefined;
  return { limits, ledger, alerts, keyStore, ...(redis ? { redis } : {}), ...(policy ? { policy } : {}), ...(cache ? { cache } : {}) };
}

/** The WASM policy host with the configured slots; module versions in Redis or the data dir. */
async function startPolicyHost(config: Config, slots: ConfiguredSlot[], log: Logger): Promise<PolicyHost> {
  let store: LocalVersionStore | RedisVersionStore = new LocalVersionStore(config.dataDir);
  if (config.redis?.url) {
    try {
      store = await RedisVersionStore.connect(config.redis.url);
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
