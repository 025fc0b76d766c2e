import { cpus } from "node:os";
import { chatBody, haveWrk, sequentialLatency, throughput } from "./measure.js";
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
 *  - rest-stream-c16-throughput: the same for streamed answers (the mock's 16 content chunks,
 *    finish, usage, [DONE]): the per-chunk path, which unary requests do not exercise
 *  - rest-stream-paced-c16: the same streams with their 19 events sent 5 ms apart, as a
 *    model's tokens arrive: each event is its own read and write all the way through, which a
 *    burst in one read hides. Every contender serves the same rate (the pace sets it), so the
 *    figure is CPU time per stream and per event, gateway against floor
 *  - rss: the gateway's resident memory idle (after start-up) and after the load.
 * Every case runs in rounds; each round measures the three contenders one after the other, in
 * an order that rotates from round to round. A figure is the median over the rounds, and a
 * ratio (an added latency, a share) is the median of the per-round ratios: on a small shared
 * machine one contender's minute can be twice as slow as the next one's, and only contenders
 * measured side by side, many times, give ratios that repeat.
 * Env: BENCH_ROUNDS (default 5), BENCH_SECONDS (per throughput round, default 3), BENCH_SAMPLES
 * (latency samples per round, default 1000), BENCH_WORKERS (the gateway's --workers, default 1),
 * BENCH_SLUICE (another checkout's bin/sluice.js: measure an earlier commit's gateway with this
 * bench).
 */
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const samples = Number(process.env.BENCH_SAMPLES ?? 1000);
const workers = Number(process.env.BENCH_WORKERS ?? 1);

interface Contender {
  name: string;
  child: Child;
  unary: string[];
  stream: string[];
  paced: string[];
}

const upstream = await startMockUpstream();
const floor = await startFloorProxy(upstream.url);
const gateway = await startGatewayProcess(upstream.url, workers);
const random = seeded(20261122);
const direct: Contender = { name: "direct", child: upstream, unary: [], stream: [], paced: [] };
const viaFloor: Contender = { name: "floor", child: floor, unary: [], stream: [], paced: [] };
const viaGateway: Contender = { name: "gateway", child: gateway, unary: [], stream: [], paced: [] };
for (let i = 0; i < 64; i++) {
  const seed = random() * 2 ** 32;
  // The same prompts for all three; the proxies get the alias, the upstream its model name.
  for (const [c, model] of [[direct, "bench-1"], [viaFloor, "bench"], [viaGateway, "bench"]] as const) {
    c.unary.push(chatBody(seeded(seed), model, false));
    c.stream.push(chatBody(seeded(seed), model, true));
    c.paced.push(chatBody(seeded(seed), model, true, true));
  }
}
const contenders = [direct, viaFloor, viaGateway];

const rows: string[] = [];
const fmt = (n: number, d = 1) => n.toFixed(d);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const pid = (c: Contender) => c.child.process.pid!;
let rssIdle = 0;
let rssLoaded = 0;
try {
  rssIdle = rssMiB(pid(viaGateway));
  // Warm every path (JIT, connection pools) before measuring, to the steady state: a burst of
  // load first. With sequential requests alone the gateway, which has far more code than the
  // floor, was still compiling when the latency rounds began (--trace-opt at c=1: 315
  // optimizations in the first 5 s, 14 in the next 5, then none).
  for (const c of contenders) {
    await throughput(c.child.url, c.unary, 16, 3);
    await throughput(c.child.url, c.stream, 16, 1);
    await sequentialLatency(c.child.url, c.unary, 500, false);
    await sequentialLatency(c.child.url, c.stream, 500, true);
  }

  // Per round, the contenders in a rotated order; results indexed like `contenders`.
  const inRounds = async <T>(measure: (c: Contender) => Promise<T>): Promise<T[][]> => {
    const out: T[][] = [];
    for (let r = 0; r < rounds; r++) {
      const round: T[] = new Array(contenders.length);
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + r) % contenders.length;
        round[i] = await measure(contenders[i]!);
      }
      out.push(round);
    }
    return out;
  };
  const latency = async (stream: boolean): Promise<string> => {
    const per = await inRounds((c) => sequentialLatency(c.child.url, stream ? c.stream : c.unary, samples, stream));
    const p50 = (i: number) => median(per.map((r) => r[i]!.p50));
    const p99 = (i: number) => median(per.map((r) => r[i]!.p99));
    const added = (i: number) => median(per.map((r) => r[i]!.p50 - r[0]!.p50)) / 1000;
    const cell = (i: number) => (stream ? `${fmt(p50(i), 0)} µs` : `${fmt(p50(i), 0)} / ${fmt(p99(i), 0)} µs`);
    const name = stream ? "rest-stream-c1-ttfb (p50)" : "rest-unary-c1-latency (p50 / p99)";
    const target = stream ? "0.5" : "0.25";
    return `| ${name} | ${cell(0)} | ${cell(1)} | ${cell(2)} | added p50: gateway **${fmt(added(2), 3)} ms** (target <= ${target}), floor ${fmt(added(1), 3)} ms |`;
  };
  rows.push(await latency(false));
  rows.push(await latency(true));

  // Unary at three concurrencies (the targets), and streams at 16 (what most LLM traffic is).
  const loads = [
    { c: 1, stream: false },
    { c: 16, stream: false },
    { c: 64, stream: false },
    { c: 16, stream: true },
  ];
  // One throughput round of a contender: the rate, and the contender's CPU time per request meanwhile.
  const underLoad = async (contender: Contender, bodies: string[], c: number, what: string) => {
    const before = cpuMicros(pid(contender));
    const r = await throughput(contender.child.url, bodies, c, seconds);
    if (r.errors) throw new Error(`errors during ${what} (${contender.name}): ${r.errors}`);
    return { ...r, cpuUsPerRequest: (cpuMicros(pid(contender)) - before) / Math.max(1, r.requests) };
  };
  for (const { c, stream } of loads) {
    const per = await inRounds((contender) => underLoad(contender, stream ? contender.stream : contender.unary, c, `${stream ? "stream " : ""}c=${c}`));
    const rps = (i: number) => median(per.map((r) => r[i]!.rps));
    const cpu = (i: number) => median(per.map((r) => r[i]!.cpuUsPerRequest));
    const share = (i: number, of: number) => `${fmt(100 * median(per.map((r) => r[i]!.rps / r[of]!.rps)))}%`;
    const target = c === 1 || stream ? "" : " (target >= 30%)";
    rows.push(
      `| rest-${stream ? "stream" : "unary"}-c${c}-throughput | ${fmt(rps(0), 0)} req/s | ${fmt(rps(1), 0)} req/s, ${fmt(cpu(1), 0)} µs CPU/req | ${fmt(rps(2), 0)} req/s, ${fmt(cpu(2), 0)} µs CPU/req | gateway/direct **${share(2, 0)}**${target}, gateway/floor **${share(2, 1)}**, floor/direct ${share(1, 0)} |`,
    );
  }

  // Paced streams: the rate is the pace's, the same for all three; what differs is the CPU.
  const EVENTS_PER_STREAM = 19;
  const paced = await inRounds((contender) => underLoad(contender, contender.paced, 16, "paced streams"));
  const pacedCpu = (i: number) => median(paced.map((r) => r[i]!.cpuUsPerRequest));
  const pacedCell = (i: number) =>
    `${fmt(median(paced.map((r) => r[i]!.rps)), 0)} streams/s, ${fmt(pacedCpu(i), 0)} µs CPU/stream (${fmt(pacedCpu(i) / EVENTS_PER_STREAM)} per event)`;
  rows.push(
    `| rest-stream-paced-c16 (19 events 5 ms apart) | ${pacedCell(0)} | ${pacedCell(1)} | ${pacedCell(2)} | gateway CPU/floor CPU **${fmt(median(paced.map((r) => r[2]!.cpuUsPerRequest / r[1]!.cpuUsPerRequest)), 2)}x** |`,
  );
  rssLoaded = rssMiB(pid(viaGateway));
  rows.push(`| gateway RSS | | | idle ${fmt(rssIdle, 0)} MiB, after load ${fmt(rssLoaded, 0)} MiB | targets <= 80 idle, <= 150 after load |`);
} finally {
  await gateway.stop();
  await floor.stop();
  await upstream.stop();
}

console.log(
  `\nbench:proxy on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}; load by ${haveWrk ? "wrk -t1" : "autocannon"}, ` +
    `${rounds} rounds (contenders side by side, order rotated; medians, and medians of the per-round ratios), ${seconds} s per throughput round, ` +
    `${samples} latency samples per round, gateway --workers ${workers}\n`,
);
console.log("| case | direct to mock upstream | minimal Node proxy (floor) | through the gateway | ratios |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(row);
