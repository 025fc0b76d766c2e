import { cpus } from "node:os";
import { chatBody, haveWrk, sequentialLatency, throughput, type Percentiles, type Throughput } from "./measure.js";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";
import { cpuMicros, rssMiB, startFloorProxy, startGatewayProcess, startMockUpstream, type Child } from "./processes.js";

/**
 * npm run bench:proxy: three contenders in one run, each in its own process, against the same
 * mock upstream (its own process):
 *  - direct: the mock upstream itself;
 *  - floor: the minimal Node proxy (floor-proxy.ts), what any Node gateway on this stack pays;
 *  - gateway: `sluice serve` on its default pipeline (metrics, access log and ledger on).
 * Cases:
 *  - rest-unary-c1-latency: sequential non-streaming requests, p50/p99 in µs -> added latency
 *  - rest-stream-c1-ttfb: sequential streaming requests, time to first body byte -> added TTFB
 *  - rest-unary-cN-throughput: c=1, 16, 64 (wrk when installed, else autocannon) -> rate as a
 *    share of direct and of the floor, CPU time per request of each proxy
 *  - rss: the gateway's resident memory idle (after start-up) and after the load.
 * Env: BENCH_SECONDS (per throughput case, default 8), BENCH_SAMPLES (latency, default 3000),
 * BENCH_WORKERS (the gateway's --workers, default 1), BENCH_SLUICE (another checkout's
 * bin/sluice.js: measure an earlier commit's gateway with this bench).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const samples = Number(process.env.BENCH_SAMPLES ?? 3000);
const workers = Number(process.env.BENCH_WORKERS ?? 1);

interface Contender {
  name: string;
  child: Child;
  unary: string[];
  stream: string[];
}

const upstream = await startMockUpstream();
const floor = await startFloorProxy(upstream.url);
const gateway = await startGatewayProcess(upstream.url, workers);
const random = seeded(20261122);
const direct: Contender = { name: "direct", child: upstream, unary: [], stream: [] };
const viaFloor: Contender = { name: "floor", child: floor, unary: [], stream: [] };
const viaGateway: Contender = { name: "gateway", child: gateway, unary: [], stream: [] };
for (let i = 0; i < 64; i++) {
  const seed = random() * 2 ** 32;
  // The same prompts for all three; the proxies get the alias, the upstream its model name.
  for (const [c, model] of [[direct, "bench-1"], [viaFloor, "bench"], [viaGateway, "bench"]] as const) {
    c.unary.push(chatBody(seeded(seed), model, false));
    c.stream.push(chatBody(seeded(seed), model, true));
  }
}
const contenders = [direct, viaFloor, viaGateway];

const rows: string[] = [];
const fmt = (n: number, d = 1) => n.toFixed(d);
const pct = (a: number, b: number) => `${fmt((100 * a) / b)}%`;
const pid = (c: Contender) => c.child.process.pid!;
let rssIdle = 0;
let rssLoaded = 0;
try {
  rssIdle = rssMiB(pid(viaGateway));
  // Warm every path (JIT, connection pools) before measuring.
  for (const c of contenders) {
    await sequentialLatency(c.child.url, c.unary, c === direct ? 500 : 1500, false);
    await sequentialLatency(c.child.url, c.stream, 500, true);
  }

  const latency = async (stream: boolean): Promise<Percentiles[]> => {
    const out: Percentiles[] = [];
    for (const c of contenders) out.push(await sequentialLatency(c.child.url, stream ? c.stream : c.unary, samples, stream));
    return out;
  };
  const [dLat, fLat, gLat] = await latency(false);
  rows.push(
    `| rest-unary-c1-latency (p50 / p99) | ${fmt(dLat!.p50, 0)} / ${fmt(dLat!.p99, 0)} µs | ${fmt(fLat!.p50, 0)} / ${fmt(fLat!.p99, 0)} µs | ${fmt(gLat!.p50, 0)} / ${fmt(gLat!.p99, 0)} µs | added p50: gateway **${fmt((gLat!.p50 - dLat!.p50) / 1000, 3)} ms** (target <= 0.25), floor ${fmt((fLat!.p50 - dLat!.p50) / 1000, 3)} ms |`,
  );
  const [dTtfb, fTtfb, gTtfb] = await latency(true);
  rows.push(
    `| rest-stream-c1-ttfb (p50) | ${fmt(dTtfb!.p50, 0)} µs | ${fmt(fTtfb!.p50, 0)} µs | ${fmt(gTtfb!.p50, 0)} µs | added p50: gateway **${fmt((gTtfb!.p50 - dTtfb!.p50) / 1000, 3)} ms** (target <= 0.5), floor ${fmt((fTtfb!.p50 - dTtfb!.p50) / 1000, 3)} ms |`,
  );

  for (const c of [1, 16, 64]) {
    const results: Array<Throughput & { cpuUsPerRequest: number }> = [];
    for (const contender of contenders) {
      const before = cpuMicros(pid(contender));
      const r = await throughput(contender.child.url, contender.unary, c, seconds);
      if (r.errors) throw new Error(`errors during c=${c} (${contender.name}): ${r.errors}`);
      results.push({ ...r, cpuUsPerRequest: (cpuMicros(pid(contender)) - before) / Math.max(1, r.requests) });
    }
    const [d, f, g] = results;
    const target = c === 1 ? "" : " (target >= 30%)";
    rows.push(
      `| rest-unary-c${c}-throughput | ${fmt(d!.rps, 0)} req/s | ${fmt(f!.rps, 0)} req/s, ${fmt(f!.cpuUsPerRequest, 0)} µs CPU/req | ${fmt(g!.rps, 0)} req/s, ${fmt(g!.cpuUsPerRequest, 0)} µs CPU/req | gateway/direct **${pct(g!.rps, d!.rps)}**${target}, gateway/floor **${pct(g!.rps, f!.rps)}**, floor/direct ${pct(f!.rps, d!.rps)} |`,
    );
  }
  rssLoaded = rssMiB(pid(viaGateway));
  rows.push(`| gateway RSS | | | idle ${fmt(rssIdle, 0)} MiB, after load ${fmt(rssLoaded, 0)} MiB | targets <= 80 idle, <= 150 after load |`);
} finally {
  await gateway.stop();
  await floor.stop();
  await upstream.stop();
}

console.log(
  `\nbench:proxy on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}; load by ${haveWrk ? "wrk -t1" : "autocannon"}, ` +
    `${seconds}s per throughput case, ${samples} latency samples, gateway --workers ${workers}\n`,
);
console.log("| case | direct to mock upstream | minimal Node proxy (floor) | through the gateway | ratios |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(row);
