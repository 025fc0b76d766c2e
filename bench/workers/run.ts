import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chatBody } from "../proxy/measure.js";
import { ipcCost } from "./ipc-cost.js";
import { startMockUpstream } from "../proxy/processes.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";

/**
 * npm run bench:workers: `sluice serve --workers N` against one process, in the same run, in
 * front of the mock upstream of bench:proxy (its own process, answering at once). Cases, each
 * autocannon at c=64 for BENCH_SECONDS (default 2), BENCH_ROUNDS (default 3) rounds, interleaved:
 *  - direct: the upstream alone (the baseline every ratio is read against)
 *  - open-wN: the default pipeline with no keys (no limit store call at all)
 *  - limited-wN: a tenant key with rpm and tpm limits (every request admits and settles against
 *    the limit store: in the process for N = 1, over IPC to the primary for N > 1)
 * First, what a limited request's admit + settle costs over IPC against in process (ipc-cost.ts).
 * Env: BENCH_SECONDS, BENCH_ROUNDS, BENCH_WORKERS (default "1,2"), BENCH_CONNECTIONS (default 64).
 */
const autocannon = createRequire(import.meta.url)("autocannon") as (opts: object) => Promise<any>;
const root = fileURLToPath(new URL("../../../", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const workerCounts = (process.env.BENCH_WORKERS ?? "1,2").split(",").map(Number);
const KEY = "sk-sluice-bench-workers";

const random = seeded(20261206);
const bodies = { direct: [] as string[], gateway: [] as string[] };
for (let i = 0; i < 64; i++) {
  const seed = random() * 2 ** 32;
  bodies.direct.push(chatBody(seeded(seed), "bench-1", false));
  bodies.gateway.push(chatBody(seeded(seed), "bench", false));
}

interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/** `sluice serve --workers N`; resolves once the process says every worker listens. */
async function startGateway(upstreamUrl: string, workers: number, limited: boolean): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-workers-"));
  const config = join(dir, "bench.yaml");
  writeFileSync(
    config,
    `data_dir: ${join(dir, "data")}\n` +
      `providers: [ { id: upstream, kind: openai, base_url: "${upstreamUrl}/v1" } ]\n` +
      `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n` +
      (limited ? `tenants: [ { id: bench, keys: [ { id: bench-key, hash: "${hashApiKey(KEY)}" } ], limits: { rpm: 100000000, tpm: 2000000000 } } ]\n` : ""),
  );
  const child: ChildProcess = spawn(process.execPath, [join(root, "bin/sluice.js"), "serve", "--config", config, "--port", "0", "--workers", String(workers)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"[^\n]*"msg":"sluice listening"/.exec(out);
      if (!m) return;
      // The access log keeps coming: read it and throw it away.
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`gateway exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function measure(origin: string, list: string[], key?: string, duration = seconds): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  let i = 0;
  const result = await autocannon({
    url: `${origin}/v1/chat/completions`,
    connections,
    duration,
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    requests: [{ setupRequest: (req: object) => ({ ...req, body: list[i++ % list.length] }) }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

// Every gateway runs for the whole benchmark (an idle one costs next to nothing) and the cases
// are measured in turn, round after round: on a shared machine the load drifts, and interleaving
// gives each case the same share of good and bad moments. Medians over the rounds.
const costs = await ipcCost(root, 20_000, 16);

const upstream = await startMockUpstream();
const cases: Array<{ name: string; origin: string; list: string[]; key?: string; workers: number; rps: number[]; p50: number[]; p99: number[] }> = [
  { name: "direct", origin: upstream.url, list: bodies.direct, workers: 0, rps: [], p50: [], p99: [] },
];
const gateways: Gateway[] = [];
const load = loadavg()[0]!.toFixed(2);
try {
  for (const limited of [false, true]) {
    for (const workers of workerCounts) {
      const gw = await startGateway(upstream.url, workers, limited);
      gateways.push(gw);
      const key = limited ? KEY : undefined;
      cases.push({ name: `${limited ? "limited" : "open"}-w${workers}`, origin: gw.url, list: bodies.gateway, ...(key ? { key } : {}), workers, rps: [], p50: [], p99: [] });
    }
  }
  for (const c of cases) await measure(c.origin, c.list, c.key, 1); // warm-up (JIT, pools)
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const r = await measure(c.origin, c.list, c.key);
      if (r.errors) throw new Error(`${r.errors} errors in ${c.name}`);
      c.rps.push(r.rps);
      c.p50.push(r.p50);
      c.p99.push(r.p99);
    }
  }
} finally {
  await Promise.all(gateways.map((g) => g.stop()));
  await upstream.stop();
}

const direct = median(cases[0]!.rps);
console.log(
  `\nbench:workers on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}, load average ${load} at the start, ${loadavg()[0]!.toFixed(2)} at the end; ` +
    `c=${connections}, ${rounds} rounds of ${seconds}s per case, interleaved; medians\n`,
);
console.log("| case | req/s (median) | each round | p50 / p99 ms | share of direct | vs 1 worker, same config |");
console.log("|---|---:|---|---:|---:|---:|");
for (const c of cases) {
  const rps = median(c.rps);
  const one = cases.find((o) => o.workers === 1 && o.name.split("-")[0] === c.name.split("-")[0]);
  const vsOne = c.workers > 0 && one ? `**${(rps / median(one.rps)).toFixed(2)}x**` : "";
  console.log(`| ${c.name} | ${rps.toFixed(0)} | ${c.rps.map((x) => x.toFixed(0)).join(", ")} | ${median(c.p50)} / ${median(c.p99)} | ${((100 * rps) / direct).toFixed(1)}% | ${vsOne} |`);
}

console.log("\nadmit + settle per limited request, 20,000 seeded requests after a warm-up (CPU from getrusage and /proc)\n");
console.log("| case | wall µs | caller (worker) CPU µs | owner (primary) CPU µs |");
console.log("|---|---:|---:|---:|");
for (const c of costs) console.log(`| ${c.name} | ${c.wallUs.toFixed(1)} | ${c.callerCpuUs.toFixed(1)} | ${c.ownerCpuUs.toFixed(1)} |`);
