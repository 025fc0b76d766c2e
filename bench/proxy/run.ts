import { cpus } from "node:os";
import { chatBody, sequentialLatency, throughput } from "./measure.js";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";
import { startGatewayProcess, startMockUpstream } from "./processes.js";

/**
 * npm run bench:proxy: the mock upstream in its own process, measured directly and through
 * the gateway (its own process) in the same run. Cases:
 *  - rest-unary-c1-latency: sequential non-streaming requests, p50/p99 in µs -> added latency
 *  - rest-unary-cN-throughput: autocannon at c=1, 16, 64 -> gateway rate as a share of direct
 *  - rest-stream-c1-ttfb: sequential streaming requests, time to first body byte -> added TTFB
 * Env: BENCH_SECONDS (per throughput case, default 8), BENCH_SAMPLES (latency, default 3000).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const samples = Number(process.env.BENCH_SAMPLES ?? 3000);

const upstream = await startMockUpstream();
const gateway = await startGatewayProcess(upstream.url);
const random = seeded(20261122);
const direct = { origin: upstream.url, unary: [] as string[], stream: [] as string[] };
const viaGateway = { origin: gateway.url, unary: [] as string[], stream: [] as string[] };
for (let i = 0; i < 64; i++) {
  const seed = random() * 2 ** 32;
  direct.unary.push(chatBody(seeded(seed), "bench-1", false));
  direct.stream.push(chatBody(seeded(seed), "bench-1", true));
  viaGateway.unary.push(chatBody(seeded(seed), "bench", false));
  viaGateway.stream.push(chatBody(seeded(seed), "bench", true));
}

const rows: string[] = [];
const fmt = (n: number, d = 1) => n.toFixed(d);
try {
  // Warm both paths (JIT, connection pools) before measuring.
  await sequentialLatency(direct.origin, direct.unary, 500, false);
  await sequentialLatency(viaGateway.origin, viaGateway.unary, 1500, false);
  await sequentialLatency(viaGateway.origin, viaGateway.stream, 500, true);

  const dLat = await sequentialLatency(direct.origin, direct.unary, samples, false);
  const gLat = await sequentialLatency(viaGateway.origin, viaGateway.unary, samples, false);
  rows.push(
    `| rest-unary-c1-latency | p50 ${fmt(dLat.p50)} µs, p99 ${fmt(dLat.p99)} µs | p50 ${fmt(gLat.p50)} µs, p99 ${fmt(gLat.p99)} µs | added p50 **${fmt((gLat.p50 - dLat.p50) / 1000, 3)} ms** (target <= 0.25) |`,
  );

  const dTtfb = await sequentialLatency(direct.origin, direct.stream, samples, true);
  const gTtfb = await sequentialLatency(viaGateway.origin, viaGateway.stream, samples, true);
  rows.push(
    `| rest-stream-c1-ttfb | p50 ${fmt(dTtfb.p50)} µs | p50 ${fmt(gTtfb.p50)} µs | added p50 **${fmt((gTtfb.p50 - dTtfb.p50) / 1000, 3)} ms** (target <= 0.5) |`,
  );

  for (const c of [1, 16, 64]) {
    const d = await throughput(direct.origin, direct.unary, c, seconds);
    const g = await throughput(viaGateway.origin, viaGateway.unary, c, seconds);
    if (d.errors || g.errors) throw new Error(`errors during c=${c}: direct ${d.errors}, gateway ${g.errors}`);
    const target = c === 64 ? " (target >= 25%)" : "";
    rows.push(
      `| rest-unary-c${c}-throughput | ${fmt(d.rps, 0)} req/s (p50 ${d.p50ms} ms) | ${fmt(g.rps, 0)} req/s (p50 ${g.p50ms} ms) | gateway/direct **${fmt((100 * g.rps) / d.rps)}%**${target} |`,
    );
  }
} finally {
  await gateway.stop();
  await upstream.stop();
}

console.log(`\nbench:proxy on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}; ${seconds}s per throughput case, ${samples} latency samples\n`);
console.log("| case | direct to mock upstream | through the gateway | ratio |");
console.log("|---|---|---|---|");
for (const row of rows) console.log(row);
