import cluster from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { Config } from "../../gen/sluice/v1/config_pb.js";
import { IpcLimitStore } from "../../limits/ipc-store.js";
import { createLogger } from "../../telemetry/logger.js";
import type { SharedParts } from "../create-gateway.js";
import { startGateway } from "../start-gateway.js";
import { Channel, WORKER_ENV } from "./channel.js";
import { IpcKeyStore } from "./ipc-key-store.js";
import { IpcLedgerSink } from "./ipc-ledger-sink.js";
import { IpcVersionStore } from "./ipc-version-store.js";

/**
 * One worker of `sluice serve --workers N`: the whole gateway, listening on the shared port
 * (node:cluster hands it connections), with what must be exact across workers taken from the
 * primary. With `redis.url`, limits, keys, policy versions and cache entries are shared through
 * Redis exactly as replicas share them, and only the ledger file goes through the primary;
 * without Redis, limits, keys and policy versions go through the primary too (primary.ts).
 *
 * It drains (the same drain as one process) on the primary's "drain" message, on SIGTERM or
 * SIGINT (a terminal's Ctrl-C reaches every process of the group), or when the primary is gone;
 * resolves with the exit code once drained.
 */
export async function runWorker(config: Config, options: { port?: number | undefined }): Promise<number> {
  const id = process.env[WORKER_ENV] ?? String(cluster.worker?.id ?? 0);
  const log = createLogger(config.telemetry?.logLevel || "info", { sharedOutput: true });
  const channel = new Channel(process as never);
  const shared: SharedParts = {
    ledgerFile: new IpcLedgerSink(channel, (err) => log.warn({ err: (err as Error).message, worker: id }, "usage ledger: handing records to the primary failed; will retry")),
    // One process writes the cache's files under data_dir; the others keep their cache in memory.
    persistCache: id === "1",
  };
  if (!config.redis?.url) {
    shared.limits = new IpcLimitStore((method, args) => channel.call(`limits.${method}`, args));
    shared.keyStore = new IpcKeyStore(channel);
    shared.versionStore = new IpcVersionStore(channel);
  }
  const running = await startGateway(config, { port: options.port, logger: log, worker: { id, shared } });
  // /metrics speaks for the whole cluster, whichever worker a scrape reaches: the worker asks the
  // primary, which gathers every worker's registry (prom-client's cluster aggregation: counters
  // and histograms summed, gauges summed too unless a metric says otherwise). Constructing an
  // AggregatorRegistry installs prom-client's answer to the primary's gathering message.
  const registry = running.gateway.metrics.registry;
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  registry.metrics = () => channel.call("metrics", []) as Promise<string>;
  channel.emit("ready", { url: running.url });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ reason, worker: id }, "draining");
      running.close().then(resolve, resolve);
    };
    // `on`, not `once`: a second signal must not fall back to the default action (exit mid-drain).
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    channel.on("drain", () => stop("primary"));
    process.on("disconnect", () => stop("primary gone"));
  });
  log.info({ worker: id }, "worker stopped");
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  return 0;
}
