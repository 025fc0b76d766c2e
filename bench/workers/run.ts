import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { chatBody, haveWrk, throughput } from "../proxy/measure.js";
import { ipcCost } from "./ipc-cost.js";
import { cpuMicros, rssEachMiB, startGatewayProcess, startMockUpstream, type Child } from "../proxy/processes.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";

/**
 * npm run bench:workers: `sluice serve --workers N` against one process, in the same run, in
 * front of the mock upstream of bench:proxy (its own process, answering at once). Cases, each
 * at c=16 and c=64 (wrk -t1 when installed, else autocannon; autocannon takes most of a core itself,
 * so on 2 cores only wrk leaves a second worker a core to use) for BENCH_SECONDS (default 3),
 * BENCH_ROUNDS (default 5) rounds, interleaved; each round also reports the CPU time per request
 * of the gateway's processes (primary and workers) and how much of the machine stayed idle:
 *  - direct: the upstream alone (the baseline every ratio is read against)
 *  - open-wN: the default pipeline with no keys (no limit store call at all)
 *  - limited-wN: a tenant key with rpm and tpm limits (every request admits and settles against
 *    the limit store: in the process for N = 1, over IPC to the primary for N > 1)
 * First, what a limited request's admit + settle costs over IPC against in process (ipc-cost.ts).
 * Env: BENCH_SECONDS, BENCH_ROUNDS, BENCH_WORKERS (default "1,2"), BENCH_CONNECTIONS (default "16,64").
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? "16,64").split(",").map(Number);
const workerCounts = (process.env.BENCH_WORKERS ?? "1,2").split(",").map(Number);
const KEY = "sk-sluice-bench-workers";
// The limited tenant's limits are far above what this machine can send: every request admits
// and settles, none is refused.
const TENANTS = `tenants: [ { id: bench, keys: [ { id: bench-key, hash: "${hashApiKey(KEY)}" } ], limits: { rpm: 100000000, tpm: 2000000000 } } ]\n`;

const random = seeded(20261206);
const bodies = { direct: [] as string[], gateway: [] as string[] };
for (let i = 0; i < 64; i++) {
  const seed = random() * 2 ** 32;
  bodies.direct.push(chatBody(seeded(seed), "bench-1", false));
  bodies.gateway.push(chatBody(seeded(seed), "bench", false));
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

// Every gateway runs for the whole benchmark (an idle one costs next to nothing) and the cases
// are measured in turn, round after round: on a shared machine the load drifts, and interleaving
// gives each case the same share of good and bad moments. Medians over the rounds.
const costs = await ipcCost(root, 20_000, 16);

/** The machine's CPU time so far, busy and idle, in clock ticks (/proc/stat's first line). */
function machineTicks(): { busy: number; idle: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  return { busy: user! + nice! + system! + irq! + softirq! + steal!, idle: idle! + iowait! };
}

interface Round {
  rps: number;
  p50ms: number;
  p99ms: number;
  /** CPU time of the measured process and its children (a cluster's workers) per request. */
  cpuUs: number;
  /** Share of the whole machine's CPU time left idle during the round. */
  idle: number;
}

interface Case {
  name: string;
  origin: string;
  /** The process whose CPU is counted: the gateway's (primary and workers), or the upstream's for direct. */
  pid: number;
  list: string[];
  headers: Record<string, string>;
  workers: number;
  /** Per connection count: one entry per round. */
  runs: Map<number, Round[]>;
  /** Resident memory in MiB of the process, then of each worker: idle (every worker up, before the warm-up), and after the rounds. */
  rss?: { idle: number[]; loaded?: number[] };
}
const upstream = await startMockUpstream();
const cases: Case[] = [{ name: "direct", origin: upstream.url, pid: upstream.process.pid!, list: bodies.direct, headers: {}, workers: 0, runs: new Map() }];
const gateways: Child[] = [];
const load = loadavg()[0]!.toFixed(2);
try {
  for (const limited of [false, true]) {
    for (const workers of workerCounts) {
      const gw = await startGatewayProcess(upstream.url, workers, limited ? TENANTS : "");
      gateways.push(gw);
      const headers: Record<string, string> = limited ? { authorization: `Bearer ${KEY}` } : {};
      cases.push({ name: `${limited ? "limited" : "open"}-w${workers}`, origin: gw.url, pid: gw.process.pid!, list: bodies.gateway, headers, workers, runs: new Map() });
    }
  }
  // Idle memory once every worker is up (the first answers /healthz before the others have started).
  await new Promise((r) => setTimeout(r, 2000));
  for (const c of cases) if (c.workers > 0) c.rss = { idle: rssEachMiB(c.pid) };
  for (const c of cases) await throughput(c.origin, c.list, 16, 1, c.headers); // warm-up (JIT, pools)
  for (let round = 0; round < rounds; round++) {
    for (const connections of connectionCounts) {
      for (const c of cases) {
        const [cpu, ticks] = [cpuMicros(c.pid), machineTicks()];
        const r = await throughput(c.origin, c.list, connections, seconds, c.headers);
        if (r.errors) throw new Error(`${r.errors} errors in ${c.name} at c=${connections}`);
        const after = machineTicks();
        const round = { ...r, cpuUs: (cpuMicros(c.pid) - cpu) / r.requests, idle: (after.idle - ticks.idle) / (after.idle - ticks.idle + after.busy - ticks.busy) };
        c.runs.set(connections, [...(c.runs.get(connections) ?? []), round]);
      }
    }
  }
  for (const c of cases) if (c.rss) c.rss.loaded = rssEachMiB(c.pid);
} finally {
  await Promise.all(gateways.map((g) => g.stop()));
  await upstream.stop();
}

console.log(
  `\nbench:workers on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}, load by ${haveWrk ? "wrk -t1" : "autocannon"}, ` +
    `load average ${load} at the start, ${loadavg()[0]!.toFixed(2)} at the end; ${rounds} rounds of ${seconds}s per case, interleaved; medians\n`,
);
console.log("| case | c | req/s (median) | each round | p50 / p99 ms | CPU µs/req (process tree) | machine idle | share of direct | vs 1 worker, same config |");
console.log("|---|---:|---:|---|---:|---:|---:|---:|---:|");
for (const connections of connectionCounts) {
  const rate = (c: Case) => median(c.runs.get(connections)!.map((r) => r.rps));
  const direct = rate(cases[0]!);
  for (const c of cases) {
    const runs = c.runs.get(connections)!;
    const one = cases.find((o) => o.workers === 1 && o.name.split("-")[0] === c.name.split("-")[0]);
    const vsOne = c.workers > 0 && one ? `**${(rate(c) / rate(one)).toFixed(2)}x**` : "";
    const latency = `${median(runs.map((r) => r.p50ms))} / ${median(runs.map((r) => r.p99ms))}`;
    const cpu = median(runs.map((r) => r.cpuUs)).toFixed(0);
    const idle = `${(100 * median(runs.map((r) => r.idle))).toFixed(0)}%`;
    console.log(
      `| ${c.name} | ${connections} | ${rate(c).toFixed(0)} | ${runs.map((r) => r.rps.toFixed(0)).join(", ")} | ${latency} | ${cpu} | ${idle} | ${((100 * rate(c)) / direct).toFixed(1)}% | ${vsOne} |`,
    );
  }
}

console.log("\nresident memory (MiB): the process, or with --workers N the primary and each worker; idle (started, before any request) and after the rounds\n");
console.log("| case | idle: process or primary | idle: workers | after load: process or primary | after load: workers | after load: total |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const c of cases) {
  if (!c.rss?.loaded) continue;
  const [idle, loaded] = [c.rss.idle, c.rss.loaded];
  const mib = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(" / ") || "-";
  console.log(`| ${c.name} | ${idle[0]!.toFixed(0)} | ${mib(idle.slice(1))} | ${loaded[0]!.toFixed(0)} | ${mib(loaded.slice(1))} | ${loaded.reduce((a, b) => a + b, 0).toFixed(0)} |`);
}

console.log("\nadmit + settle per limited request, 20,000 seeded requests after a warm-up (CPU from getrusage and /proc)\n");
console.log("| case | wall µs | caller (worker) CPU µs | owner (primary) CPU µs |");
console.log("|---|---:|---:|---:|");
for (const c of costs) console.log(`| ${c.name} | ${c.wallUs.toFixed(1)} | ${c.callerCpuUs.toFixed(1)} | ${c.ownerCpuUs.toFixed(1)} |`);
