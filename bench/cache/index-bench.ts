/**
 * Benchmark of the semantic index: HNSW (hnswlib-node) vs the brute-force reference, same data,
 * same queries, same run. Usage (after `npx tsc -p tsconfig.build.json`):
 *   node --max-old-space-size=8192 dist/bench/cache/index-bench.js --n 100000 [--queries 1000]
 *     [--brute-queries 200] [--brute-timed 20] [--m 16] [--efc 100] [--ef 64 | --efs 64,128,256] [--seed 7]
 *     [--shards S] [--batch B] [--threads T]
 * --shards 0 (default): the HNSW VectorSpace on the main thread; S >= 1: the cache's SemanticIndex
 * in S worker threads (ShardedSemanticIndex; needs the compiled dist/src/cache/index-worker.js).
 * --batch B: insert through addMany, B vectors per call (what the cache's rebuild does; with the
 * native build's addPointsParallel, one graph on --threads T threads, default every core);
 * without it, one add() per vector (64 in flight with shards).
 * --brute-queries: queries whose exact top-1 is computed (recall); --brute-timed: how many of them
 * also time BruteSpace.search one by one (the reference latency).
 * Prints a markdown block for bench/RESULTS.md and one JSON line.
 */
import { consoleLogger } from "../../src/core/logger.js";
import { cpus, loadavg } from "node:os";
import { loadHnswlib } from "../../src/cache/hnswlib-loader.js";
import { BruteSpace } from "../../src/cache/brute-space.js";
import { DEFAULT_CACHE_OPTIONS, type HnswOptions } from "../../src/cache/config.js";
import { hnswSpaceFactory } from "../../src/cache/hnsw-space.js";
import { openSemanticIndex } from "../../src/cache/open-semantic-index.js";
import type { ShardedSemanticIndex } from "../../src/cache/sharded-semantic-index.js";
import type { WorkerSemanticIndex } from "../../src/cache/worker-semantic-index.js";
import { EmbeddingLike } from "./embedding-like.js";
import { nowMs, summarise } from "./stats.js";

const efArg = process.argv.indexOf("--efs");
const efList = efArg >= 0 ? process.argv.splice(efArg, 2)[1]!.split(",").map(Number) : [];
const args = parseArgs(process.argv.slice(2));
const n = args.n ?? 100_000;
const dims = args.dims ?? 384;
const queries = args.queries ?? 1000;
const bruteQueries = Math.min(queries, args["brute-queries"] ?? 200);
const seed = args.seed ?? 7;
const hnsw: HnswOptions = {
  ...DEFAULT_CACHE_OPTIONS.semantic.hnsw,
  m: args.m ?? 16,
  efConstruction: args.efc ?? 100,
  efSearch: args.ef ?? 64,
  initialCapacity: 1024,
  insertThreads: args.threads ?? 0,
};
const batch = args.batch ?? 0;

const loadavgStart = loadavg().map((x) => x.toFixed(2)).join(" ");

function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString()}] ${msg}\n`);
}

const gen = new EmbeddingLike(dims, seed, Math.max(200, Math.round(n / 500)));
log(`generating ${n} x ${dims} embedding-like vectors`);
const data: Float32Array[] = new Array(n);
for (let i = 0; i < n; i++) data[i] = gen.next();
// Half near-duplicates of stored entries (the cache's hit case), half fresh texts (the miss case).
const qs: Float32Array[] = [];
for (let i = 0; i < queries; i++) qs.push(i % 2 === 0 ? gen.perturb(data[gen.pick(n)]!) : gen.next());

// HNSW first, measured on a clean heap.
global.gc?.();
const rss0 = process.memoryUsage().rss;
const efs = efList.length > 0 ? efList : [hnsw.efSearch];
const sweeps: { ef: number; lat: number[]; cpu: number[]; top: number[] }[] = [];
const shards = args.shards ?? 0;
const t0 = nowMs();
const insertCpu0 = process.cpuUsage();
let lastReport = t0;
const progress = (i: number): void => {
  if (nowMs() - lastReport > 30_000) {
    lastReport = nowMs();
    log(`  ${i + 1} inserted, ${((i + 1) / ((lastReport - t0) / 1000)).toFixed(0)}/s, load ${loadavg()[0]!.toFixed(2)}`);
  }
};
let insertS: number;
let insertCpuS: number;
let shardRss: number | undefined;
if (shards === 0) {
  // The VectorSpace directly, on this thread: the index itself, no messaging.
  const space = hnswSpaceFactory(hnsw).create(dims);
  log(`HNSW insert (M=${hnsw.m}, efConstruction=${hnsw.efConstruction}), main thread${batch ? `, addMany x ${batch}, insertThreads ${hnsw.insertThreads || "all"} (parallel: ${loadHnswlib().parallelAdd})` : ""}`);
  if (batch > 0) {
    for (let i = 0; i < n; i += batch) {
      const labels = Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k);
      space.addMany(labels, labels.map((l) => data[l]!));
      progress(i + labels.length - 1);
    }
  } else {
    for (let i = 0; i < n; i++) {
      space.add(i, data[i]!);
      progress(i);
    }
  }
  insertS = (nowMs() - t0) / 1000;
  // CPU time of the whole build (one thread): inserts/s as if the core were not shared.
  const used = process.cpuUsage(insertCpu0);
  insertCpuS = (used.user + used.system) / 1e6;
  // Search breadth is a query-time knob: one build, several ef values.
  for (const ef of efs) {
    log(`HNSW search, ef=${ef}`);
    hnsw.efSearch = ef; // the space reads its options object at every search
    for (const q of qs.slice(0, 50)) space.search(q, 1); // warm-up
    const lat: number[] = [];
    const cpu: number[] = [];
    const top: number[] = [];
    for (const q of qs) {
      const c = process.cpuUsage();
      const s = nowMs();
      const r = space.search(q, 1);
      lat.push(nowMs() - s);
      const u = process.cpuUsage(c);
      // CPU time of the search: what it costs without the scheduler's pre-emptions on a shared box.
      cpu.push((u.user + u.system) / 1000);
      top.push(r[0]?.label ?? -1);
    }
    sweeps.push({ ef, lat, cpu, top });
  }
} else {
  // Through the cache's SemanticIndex in `shards` worker threads (shards=1: WorkerSemanticIndex),
  // 64 adds in flight as ResponseCache's rebuild keeps them; searches awaited one at a time
  // (wall = message round trips + the slowest shard; CPU = every thread of the process).
  const quiet = { ...consoleLogger, warn: (f: object, m: string) => log(`${m} ${JSON.stringify(f)}`) };
  const index = (await openSemanticIndex({ dims, kind: "hnsw", hnsw, tag: "bench", thread: "worker", shards, log: quiet })) as ShardedSemanticIndex | WorkerSemanticIndex;
  log(`HNSW insert (M=${hnsw.m}, efConstruction=${hnsw.efConstruction}), ${shards} worker shard(s)`);
  const far = Number.MAX_SAFE_INTEGER;
  if (batch > 0) {
    for (let i = 0; i < n; i += batch) {
      const ids = Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k);
      await index.addMany(ids.map((k) => ({ id: String(k), namespace: "ns", vector: data[k]!, expiresAt: far })));
      progress(i + ids.length - 1);
    }
  } else {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < n; i++) {
      const p: Promise<void> = index.add(String(i), "ns", data[i]!, far).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 64) await Promise.race(inFlight);
      progress(i);
    }
    await Promise.all(inFlight);
  }
  insertS = (nowMs() - t0) / 1000;
  const used = process.cpuUsage(insertCpu0);
  insertCpuS = (used.user + used.system) / 1e6; // all threads: per-CPU-second rate stays comparable
  for (const ef of efs) {
    log(`HNSW search, ef=${ef}, ${shards} shard(s)`);
    await index.setEfSearch(ef);
    for (const q of qs.slice(0, 50)) await index.search("ns", q, 1, 0);
    const lat: number[] = [];
    const cpu: number[] = [];
    const top: number[] = [];
    for (const q of qs) {
      const c = process.cpuUsage();
      const s = nowMs();
      const r = await index.search("ns", q, 1, 0);
      lat.push(nowMs() - s);
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
      top.push(r[0] ? Number(r[0].id) : -1);
    }
    sweeps.push({ ef, lat, cpu, top });
  }
  global.gc?.();
  shardRss = process.memoryUsage().rss; // before the workers (and their graphs) go away
  await index.close();
}
global.gc?.();
const hnswBytes = (shardRss ?? process.memoryUsage().rss) - rss0;

log("brute-force insert + search");
const brute = new BruteSpace(dims, n);
const tb = nowMs();
for (let i = 0; i < n; i++) brute.add(i, data[i]!);
const bruteInsertS = (nowMs() - tb) / 1000;
// Latency of the reference (BruteSpace.search, one query at a time) on the first queries...
const bruteTimed = Math.min(bruteQueries, args["brute-timed"] ?? 20);
const bruteLat: number[] = [];
for (let i = 0; i < bruteTimed; i++) {
  const s = nowMs();
  brute.search(qs[i]!, 1);
  bruteLat.push(nowMs() - s);
}
// ...and the exact top-1 of every recall query with hnswlib's own brute force (a flat scan, the
// same SIMD distance code as the graph, ~10x faster than the JS scan at 1M: recall can rest on
// hundreds of queries). Cross-checked against BruteSpace on the timed queries.
const { label: bruteLabel, sim: bruteSim } = exactTop1(data, qs.slice(0, bruteQueries));
for (let i = 0; i < bruteTimed; i++) {
  const ref = brute.search(qs[i]!, 1)[0]!;
  // A different label is a float near-tie only (float32 SIMD sums vs BruteSpace's double sums).
  if (ref.label !== bruteLabel[i] && Math.abs(ref.similarity - bruteSim[i]!) > 1e-5) {
    throw new Error(`exact search disagrees with BruteSpace on query ${i}: ${bruteLabel[i]} (${bruteSim[i]}) vs ${ref.label} (${ref.similarity})`);
  }
}

// What the data looks like to a cosine index (real sentence embeddings: unrelated pairs ~0.1-0.4,
// nearest neighbours in a large corpus ~0.7-0.9, re-asked questions ~0.95+).
let randomPairs = 0;
for (let i = 0; i < 2000; i++) randomPairs += dotOf(data[gen.pick(n)]!, data[gen.pick(n)]!);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const dataShape = {
  randomPairCosine: randomPairs / 2000,
  freshTop1Cosine: mean(bruteSim.filter((_, i) => i % 2 === 1)),
  nearDuplicateTop1Cosine: mean(bruteSim.filter((_, i) => i % 2 === 0)),
};

const b = summarise(bruteLat);
const recall = (top: number[], parity?: number): number => {
  let ok = 0;
  let total = 0;
  for (let i = 0; i < bruteQueries; i++) {
    if (parity !== undefined && i % 2 !== parity) continue;
    total++;
    if (top[i] === bruteLabel[i]) ok++;
  }
  return ok / total;
};
const rows = sweeps.map((sw) => ({ ef: sw.ef, ...summarise(sw.lat), cpuP50: summarise(sw.cpu).p50, cpuP99: summarise(sw.cpu).p99, recall: recall(sw.top), recallDup: recall(sw.top, 0), recallFresh: recall(sw.top, 1) }));
const result = {
  n,
  dims,
  m: hnsw.m,
  efConstruction: hnsw.efConstruction,
  shards,
  batch,
  insertThreads: hnsw.insertThreads,
  hnsw: { insertsPerS: n / insertS, insertsPerCpuS: n / insertCpuS, bytesPerEntry: hnswBytes / n, sweeps: rows },
  brute: { insertsPerS: n / bruteInsertS, p50Ms: b.p50, p99Ms: b.p99, timedQueries: bruteTimed, bytesPerEntry: dims * 4 },
  queries,
  bruteQueries,
  dataShape,
  machine: {
    nproc: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    hnswlibBuild: hnswlibBuild(),
    loadavgStart,
    loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
  },
};

const f = (x: number, d = 3): string => x.toFixed(d);
console.log(`
### Index: ${n.toLocaleString("en")} x ${dims} dims (M=${hnsw.m}, efConstruction=${hnsw.efConstruction}, ${shards === 0 ? "main thread" : `${shards} worker shard(s)`}${batch ? `, inserts by addMany x ${batch}` : ""})

HNSW inserts: **${f(result.hnsw.insertsPerS, 0)}/s** wall, ${f(result.hnsw.insertsPerCpuS, 0)}/s per CPU-second (${shards === 0 && !(batch && loadHnswlib().parallelAdd) ? "single thread" : "all threads"}), memory ${f(result.hnsw.bytesPerEntry, 0)} B/entry (RSS delta; vectors alone are ${dims * 4} B).
Brute force: ${f(result.brute.insertsPerS, 0)} inserts/s, lookup p50 ${f(b.p50, 1)} ms, p99 ${f(b.p99, 1)} ms (${bruteTimed} timed queries); recall over ${bruteQueries} queries.
hnswlib-node build: ${result.machine.hnswlibBuild}.

| case | lookup p50 (wall) | lookup p99 (wall) | p50 / p99 (CPU time) | recall@1 vs brute (all / near-dup / fresh) | p50 speed-up vs brute |
|---|---|---|---|---|---|
${rows.map((r) => `| hnsw ef=${r.ef} | ${f(r.p50)} ms | ${f(r.p99)} ms | ${f(r.cpuP50)} / ${f(r.cpuP99)} ms | ${f(r.recall)} / ${f(r.recallDup)} / ${f(r.recallFresh)} | ${f(b.p50 / r.p50, 0)}x |`).join("\n")}
| brute force | ${f(b.p50, 1)} ms | ${f(b.p99, 1)} ms | | 1 (reference) | 1x |

data shape (cosine): random pairs ${f(dataShape.randomPairCosine)}, fresh query -> nearest ${f(dataShape.freshTop1Cosine)}, near-duplicate query -> nearest ${f(dataShape.nearDuplicateTop1Cosine)}; load average at start: ${loadavgStart}, at end: ${result.machine.loadavg}
`);
console.log(JSON.stringify(result));

/** Exact top-1 (cosine) of each query: hnswlib-node's BruteforceSearch, a flat scan. */
function exactTop1(data: Float32Array[], queries: Float32Array[]): { label: number[]; sim: number[] } {
  const flat = new (loadHnswlib().lib.BruteforceSearch)("cosine", dims);
  flat.initIndex(data.length);
  for (let j = 0; j < data.length; j++) flat.addPoint(Array.from(data[j]!), j);
  const label: number[] = [];
  const sim: number[] = [];
  for (let q = 0; q < queries.length; q++) {
    const r = flat.searchKnn(Array.from(queries[q]!), 1);
    label.push(r.neighbors[0]!);
    sim.push(1 - r.distances[0]!);
    if ((q + 1) % 50 === 0) log(`  exact top-1: ${q + 1}/${queries.length} queries`);
  }
  return { label, sim };
}

/** Which hnswlib-node binary is loaded: the SIMD level it was compiled for (see hnswlib-loader.ts). */
function hnswlibBuild(): string {
  const b = loadHnswlib();
  return b.build === "native" ? `native (${b.detail})` : `portable (npm's default flags: SSE distance code; ${b.detail})`;
}

function dotOf(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function parseArgs(argv: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i]!.replace(/^--/, "")] = Number(argv[i + 1]);
  return out;
}
