import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Channel } from "../../src/app/cluster/channel.js";
import { IpcLimitStore } from "../../src/limits/ipc-store.js";
import { MemoryLimitStore } from "../../src/limits/memory-store.js";
import type { LimitScope } from "../../src/core/principal.js";
import type { LimitStore } from "../../src/limits/types.js";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";

export interface IpcCost {
  name: string;
  /** Wall time per admit + settle, µs (with `inFlight` callers). */
  wallUs: number;
  /** CPU of the calling process (a worker) per admit + settle, µs. */
  callerCpuUs: number;
  /** CPU of the owning process (the primary) per admit + settle, µs; 0 in process. */
  ownerCpuUs: number;
}

/** utime + stime of a process, µs (/proc, 10 ms ticks: measure long enough). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * What `--workers N` without Redis costs per limited request: admit + settle against the
 * MemoryLimitStore in process (the baseline, as one process runs it) and through IpcLimitStore
 * to the same store in another process (test/support/limit-store-owner.mjs, the primary's side),
 * same seeded requests (100 tenants x 5 keys, rpm + tpm + budget), `inFlight` at once.
 */
export async function ipcCost(root: string, iterations: number, inFlight: number): Promise<IpcCost[]> {
  const owner = fork(join(root, "test/support/limit-store-owner.mjs"), [], { stdio: "inherit" });
  const channel = new Channel(owner);
  await new Promise<void>((resolve) => channel.on("ready", () => resolve()));
  const rnd = seeded(0x5eed);
  const scopes: LimitScope[][] = Array.from({ length: 500 }, () => {
    const t = Math.floor(rnd() * 100);
    const k = Math.floor(rnd() * 5);
    return [
      { id: `key:t${t}-k${k}`, label: `key t${t}-k${k}`, partition: `t${t}`, rpm: 1e9, tpm: 1e12 },
      { id: `tenant:t${t}`, label: `tenant t${t}`, partition: `t${t}`, rpm: 1e9, tpm: 1e12, budget: { dailyUsd: 1e9 } },
    ];
  });
  const run = async (store: LimitStore, n: number): Promise<{ wallUs: number; callerCpuUs: number; ownerCpuUs: number }> => {
    const ownerStart = cpuOf(owner.pid!);
    const cpu = process.cpuUsage();
    const start = performance.now();
    let i = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (i < n) {
          const s = scopes[i++ % scopes.length]!;
          const r = await store.admit({ scopes: s, tokens: 1200, estimatedCostUsd: 0.0004 });
          if (r.ok) await store.settle(r.reservation, { tokens: 900, costUsd: 0.0003 });
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return { wallUs: ((performance.now() - start) * 1000) / n, callerCpuUs: (used.user + used.system) / n, ownerCpuUs: (cpuOf(owner.pid!) - ownerStart) / n };
  };
  try {
    const memory = new MemoryLimitStore();
    const ipc = new IpcLimitStore((method, args) => channel.call(`limits.${method}`, args));
    await run(memory, iterations / 5); // warm-up
    await run(ipc, iterations / 5);
    const m = await run(memory, iterations);
    const r = await run(ipc, iterations);
    return [
      { name: `memory store in process (one process), ${inFlight} in flight`, ...m, ownerCpuUs: 0 },
      { name: `IPC store, counters in another process (--workers N, no Redis), ${inFlight} in flight`, ...r },
    ];
  } finally {
    owner.kill();
  }
}
