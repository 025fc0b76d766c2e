import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import { join } from "node:path";
import type { Logger as PinoLogger } from "pino";
import type { Config } from "../../gen/sluice/v1/config_pb.js";
import { LIMIT_STORE_METHODS, limitStoreHandler } from "../../limits/ipc-store.js";
import { FileKeyStore, type StoredKey } from "../../limits/key-store.js";
import { MemoryLimitStore } from "../../limits/memory-store.js";
import { LocalVersionStore } from "../../policy/host/version-store.js";
import { FileLedgerSink } from "../../telemetry/ledger-file.js";
import type { UsageRecord } from "../../telemetry/ledger.js";
import { releaseStartupGarbage } from "../startup-gc.js";
import { Channel, WORKER_ENV } from "./channel.js";

/** A worker that dies sooner than this after it started is restarted after RESTART_DELAY_MS, not at once (no hot crash loop). */
const QUICK_CRASH_MS = 5_000;
const RESTART_DELAY_MS = 1_000;
/** Past the drain deadline, how long workers get to close their stores before they are killed. */
const EXIT_GRACE_MS = 10_000;

interface Running {
  worker: Worker;
  channel: Channel;
  startedAt: number;
}

/**
 * The primary of `sluice serve --workers N`: it serves no request. It forks N workers that
 * share one port (node:cluster: the primary accepts connections and hands them out in turn),
 * restarts a worker that dies (with a log line), and on SIGTERM or SIGINT drains every worker
 * and exits once they all have.
 *
 * What must stay exact across workers has one owner here:
 * - the usage ledger files (one writer; ipc-ledger-sink.ts says why), with or without Redis;
 * - `/metrics`: a worker asked for it gets every worker's metrics, gathered here;
 * - without `redis.url`: the limit and budget counters (one MemoryLimitStore; every worker's
 *   admit runs in it, so N workers admit no more than one process would), the admin-made keys
 *   (`keys.json`) and the policy module versions (`<data_dir>/policies`); a key change or a
 *   policy activation made through any worker is relayed to every worker.
 * With `redis.url` the workers share limits, keys, policy versions and cache entries through
 * Redis, as replicas do, and this process touches none of them.
 *
 * Worker 1 starts alone, the others once it listens: first-start work on the data dir (storing
 * each policy slot's initial version) is done once, not raced by N processes.
 */
export async function runPrimary(config: Config, options: { workers: number; log: PinoLogger }): Promise<number> {
  const { log } = options;
  const owned = ownState(config, log);
  const running = new Map<number, Running>();
  let stopping = false;

  const broadcast = (name: string, data?: unknown) => {
    for (const r of running.values()) r.channel.emit(name, data);
  };
  owned.onPolicyActivated((slot, activation) => broadcast("policy.activated", { slot, activation }));

  const fork = (slot: number): { ready: Promise<string>; entry: Running } => {
    const worker = cluster.fork({ [WORKER_ENV]: String(slot) });
    const channel = new Channel(worker);
    owned.serve(channel, () => broadcast("keys.changed"));
    const ready = new Promise<string>((resolve, reject) => {
      channel.on("ready", (data) => resolve((data as { url: string }).url));
      worker.once("exit", (code, signal) => reject(new Error(`worker ${slot} exited during start (code ${code}, signal ${signal})`)));
    });
    ready.catch(() => undefined);
    const entry = { worker, channel, startedAt: Date.now() };
    running.set(slot, entry);
    worker.once("exit", (code, signal) => {
      if (running.get(slot) === entry) running.delete(slot);
      if (stopping) return;
      const quick = Date.now() - entry.startedAt < QUICK_CRASH_MS;
      log.warn({ worker: slot, pid: worker.process.pid, code, signal }, quick ? "worker exited soon after start; starting a new one in 1 s" : "worker exited; starting a new one");
      const restart = () => {
        if (stopping) return;
        fork(slot).ready.then(
          () => log.info({ worker: slot }, "worker restarted"),
          (err) => log.error({ worker: slot, err: (err as Error).message }, "restarted worker failed to start"),
        );
      };
      if (quick) setTimeout(restart, RESTART_DELAY_MS).unref();
      else restart();
    });
    return { ready, entry };
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const exits = [...running.values()].map((r) => new Promise<void>((resolve) => (r.worker.isDead() ? resolve() : r.worker.once("exit", () => resolve()))));
    broadcast("drain");
    const deadline = setTimeout(() => {
      for (const r of running.values()) if (!r.worker.isDead()) r.worker.process.kill("SIGKILL");
    }, (config.server?.drainTimeoutMs ?? 10_000) + EXIT_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(deadline);
    await owned.close();
  };

  let url: string;
  try {
    url = await fork(1).ready;
    await Promise.all(Array.from({ length: options.workers - 1 }, (_, i) => fork(i + 2).ready));
  } catch (err) {
    log.error({ err: (err as Error).message }, "a worker failed to start; stopping");
    await stop();
    return 1;
  }
  log.info({ url, workers: options.workers, pids: [...running.values()].map((r) => r.worker.process.pid) }, "sluice listening");
  log.flush();
  releaseStartupGarbage();

  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      if (stopping) return;
      log.info({ signal, workers: running.size }, "draining every worker");
      stop().then(resolve, resolve);
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
  });
  log.info("stopped");
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  return 0;
}

/** What the primary owns for its workers, and the calls through which they use it. */
function ownState(config: Config, log: PinoLogger) {
  const ledger = new FileLedgerSink({
    dir: join(config.dataDir, "usage"),
    onError: (err) => log.warn({ err: (err as Error).message, sink: "file" }, "usage ledger write failed; will retry"),
  });
  const local = config.redis?.url
    ? undefined
    : { limits: new MemoryLimitStore(), keys: new FileKeyStore(join(config.dataDir, "keys.json")), versions: new LocalVersionStore(config.dataDir) };
  const limits = local ? limitStoreHandler(local.limits) : undefined;
  const metrics = new AggregatorRegistry();
  return {
    onPolicyActivated(listener: Parameters<LocalVersionStore["onActivate"]>[0]): void {
      local?.versions.onActivate(listener);
    },
    serve(channel: Channel, keysChanged: () => void): void {
      channel.handle("ledger.append", ([records]) => ledger.append(records as UsageRecord[]));
      // A worker's /metrics: every worker's registry, gathered and summed (worker.ts).
      channel.handle("metrics", () => metrics.clusterMetrics());
      if (!local || !limits) return;
      for (const method of LIMIT_STORE_METHODS) channel.handle(`limits.${method}`, (args) => limits(method, args));
      channel.handle("keys.list", () => local.keys.list());
      channel.handle("keys.put", async ([key]) => {
        await local.keys.put(key as StoredKey);
        keysChanged();
      });
      const { versions } = local;
      channel.handle("policy.put", ([slot, base64, note]) => versions.put(slot as string, new Uint8Array(Buffer.from(base64 as string, "base64")), note as string));
      channel.handle("policy.getBytes", async ([slot, version]) => {
        const bytes = await versions.getBytes(slot as string, version as number);
        return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
      });
      channel.handle("policy.list", ([slot]) => versions.list(slot as string));
      channel.handle("policy.activations", ([slot]) => versions.activations(slot as string));
      // The store announces the activation (onPolicyActivated): every worker hears it, the caller too.
      channel.handle("policy.activate", ([slot, version]) => versions.activate(slot as string, version as number));
    },
    async close(): Promise<void> {
      await ledger.close();
      await local?.versions.close();
      await local?.limits.close();
    },
  };
}

