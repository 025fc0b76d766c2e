#!/usr/bin/env node
/**
 * Postinstall: compile a second copy of hnswlib-node for THIS machine's CPU (`-O3 -march=native`).
 *
 * Why: hnswlib chooses its SIMD distance code at compile time (`__SSE__` / `__AVX__` /
 * `__AVX512F__` in hnswlib.h), and hnswlib-node's binding.gyp sets no `-march`, so npm's build
 * runs the SSE code even on an AVX-512 CPU. On the 2-core AVX-512 Xeon of bench/RESULTS.md
 * ("Semantic cache (issue 6)"), 100k x 384: +26% inserts per CPU-second (1,694 -> 2,133) and
 * 13-22% less CPU per search; at 1M the ef=256 search's CPU p99 went 2.19 -> 1.57 ms. Not the
 * 2-4x of the distance kernel alone: a graph walk waits on memory (a 1.5 KB vector per visited
 * node) and on hnswlib-node's number[] conversion.
 *
 * Safety (a stale or foreign build must never break `npm test` or `npm start`):
 * - npm's portable build (node_modules/hnswlib-node/build/) is never touched. The native copy
 *   goes to node_modules/hnswlib-node/sluice-native/ with build.json (hnswlib-node version, the
 *   CPU flags it was compiled on); src/cache/hnswlib-loader.ts uses it only when that record
 *   matches the running process, else the portable build (SLUICE_HNSWLIB=portable forces it).
 * - The new binary is loaded and checked (recall against an exact scan) in a child process
 *   before it is installed: an illegal instruction or a wrong answer discards it.
 * - Anything failing (no compiler, no Node headers, node-gyp error, non-x64 CPU) prints one line
 *   and exits 0: the portable build stays. SLUICE_HNSWLIB_NATIVE=0 skips the step.
 * - Up to date (same hnswlib-node version, CPU flags and compiler flags): nothing is rebuilt.
 *
 * Cost: one C++ file, ~15 s on 2 cores. Run by hand: `node scripts/native-hnswlib.mjs [--force]`.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CXXFLAGS = "-O3 -march=native";
// Bumped when scripts/hnswlib-add-points.inc.cc changes, so an installed copy is rebuilt.
const PATCH = "add-points-1";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");

function say(msg) {
  console.log(`hnswlib-node native build: ${msg}`);
}

function cpuFlags() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^flags\s*:/.test(l));
    return line ? line.replace(/^[^:]*:/, "").trim().split(/\s+/).sort() : [];
  } catch {
    return [];
  }
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/share/nodejs/node-gyp/bin/node-gyp.js",
  ];
  return candidates.find((c) => c && c.endsWith(".js") && existsSync(c));
}

function main() {
  if (process.env.SLUICE_HNSWLIB_NATIVE === "0") return say("skipped (SLUICE_HNSWLIB_NATIVE=0; SLUICE_HNSWLIB=portable at run time ignores any native build)");
  if (process.platform !== "linux" || process.arch !== "x64") return say(`skipped (${process.platform}/${process.arch}: only linux/x64 has hnswlib SIMD paths worth it); portable build in use`);
  const require = createRequire(join(root, "package.json"));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve("hnswlib-node/package.json"));
  } catch {
    return say("skipped (hnswlib-node not installed)");
  }
  if (!existsSync(join(pkgDir, "build/Release/addon.node"))) return say("skipped (no portable build to fall back on)");
  const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
  const flags = cpuFlags();
  if (!flags.includes("avx")) return say("skipped (no AVX: the SSE code of the portable build is what this CPU runs anyway)");
  const simd = flags.includes("avx512f") ? "AVX-512" : "AVX";

  const outDir = join(pkgDir, "sluice-native");
  const recordFile = join(outDir, "build.json");
  if (!force && existsSync(recordFile) && existsSync(join(outDir, "addon.node"))) {
    try {
      const r = JSON.parse(readFileSync(recordFile, "utf8"));
      if (r.hnswlibVersion === version && r.cxxflags === CXXFLAGS && r.patch === PATCH && r.cpuFlags.join(" ") === flags.join(" ")) return say(`up to date (${simd}, ${CXXFLAGS})`);
    } catch {
      // rebuild
    }
  }

  // What stays in use when this attempt fails: a previous native build for this CPU (the loader
  // re-checks its record at every start), else npm's portable one.
  const kept = existsSync(recordFile) ? "previous native build kept (the loader re-checks it)" : "portable build in use";
  const gyp = findNodeGyp();
  if (!gyp) return say(`skipped (node-gyp not found); ${kept}`);
  const cxx = process.env.CXX || "g++";
  const probe = spawnSync(cxx, ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) return say(`skipped (no C++ compiler '${cxx}'); ${kept}`);

  // Build in a scratch copy inside the package (so binding.gyp's require('node-addon-api')
  // resolves as it does for npm's build), never in the package's own build/.
  const work = join(pkgDir, "sluice-native-build");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(pkgDir, "binding.gyp"), join(work, "binding.gyp"));
  cpSync(join(pkgDir, "src"), join(work, "src"), { recursive: true });
  const parallelAdd = addParallelInserts(join(work, "src/addon.cc"));
  const env = { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ""} ${CXXFLAGS}`.trim() };
  const args = [gyp, "rebuild"];
  // Offline: use the local Node headers rather than downloading them (as .ci/run does).
  if (!env.npm_config_nodedir && existsSync("/usr/include/node/node_api.h")) args.push("--nodedir=/usr");
  const t0 = Date.now();
  const built = spawnSync(process.execPath, args, { cwd: work, env, encoding: "utf8", timeout: 600_000 });
  const seconds = (Date.now() - t0) / 1000;
  const addon = join(work, "build/Release/addon.node");
  if (built.status !== 0 || !existsSync(addon)) {
    rmSync(work, { recursive: true, force: true });
    const tail = `${built.stderr ?? ""}${built.error?.message ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    return say(`compile failed after ${seconds.toFixed(1)} s (${tail}); ${kept}`);
  }

  // Load and check it in a child: an illegal instruction kills the child, not this install.
  const check = spawnSync(process.execPath, ["--input-type=module", "-e", SMOKE_TEST, addon], { encoding: "utf8", timeout: 120_000 });
  if (check.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    return say(`built but failed its check (${(check.stderr || check.signal || "").toString().trim().split("\n").slice(-2).join(" | ")}); ${kept}`);
  }

  // Install: record first removed (a reader in between sees no native build, not a mismatched one).
  mkdirSync(outDir, { recursive: true });
  rmSync(recordFile, { force: true });
  cpSync(addon, join(outDir, "addon.node.tmp"));
  renameSync(join(outDir, "addon.node.tmp"), join(outDir, "addon.node"));
  const record = {
    hnswlibVersion: version,
    platform: process.platform,
    arch: process.arch,
    cxxflags: CXXFLAGS,
    simd,
    cpuFlags: flags,
    compiler: probe.stdout.split("\n")[0],
    node: process.version,
    buildSeconds: seconds,
    patch: PATCH,
    parallelAdd,
    check: check.stdout.trim(),
    builtAt: new Date().toISOString(),
  };
  writeFileSync(`${recordFile}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${recordFile}.tmp`, recordFile);
  rmSync(work, { recursive: true, force: true });
  say(`${simd} (${CXXFLAGS})${parallelAdd ? " with addPointsParallel" : ""} built in ${seconds.toFixed(1)} s, check ${record.check}; npm's portable build kept as the fallback`);
}

/**
 * Adds `HierarchicalNSW.addPointsParallel(points: Float32Array, labels: Uint32Array, threads,
 * replaceDeleted?)` to the copy's addon.cc (scripts/hnswlib-add-points.inc.cc): one graph built
 * on several threads, as hnswlib's Python binding does, so a large index is (re)built at ~2x
 * the single-thread rate on 2 cores. Anchors not found (another hnswlib-node version): the copy
 * builds without it and src/cache/hnsw-space.ts inserts one point at a time.
 */
function addParallelInserts(file) {
  const src = readFileSync(file, "utf8");
  const anchors = [
    ["#include <vector>\n", "#include <vector>\n#include <algorithm>\n#include <atomic>\n#include <mutex>\n#include <thread>\n"],
    ['      InstanceMethod("addPoint", &HierarchicalNSW::addPoint),\n', '      InstanceMethod("addPoint", &HierarchicalNSW::addPoint),\n      InstanceMethod("addPointsParallel", &HierarchicalNSW::addPointsParallel),\n'],
    ["  Napi::Value markDelete(const Napi::CallbackInfo& info) {\n", `${readFileSync(join(root, "scripts/hnswlib-add-points.inc.cc"), "utf8")}  Napi::Value markDelete(const Napi::CallbackInfo& info) {\n`],
  ];
  if (!anchors.every(([from]) => src.split(from).length === 2)) return false;
  writeFileSync(file, anchors.reduce((text, [from, to]) => text.replace(from, () => to), src));
  return true;
}

// 3,000 clustered 384-d vectors, 200 queries: HNSW top-1 vs an exact scan in JS, and the
// similarity hnswlib reports vs the JS dot product.
const SMOKE_TEST = `
import { createRequire } from "node:module";
const lib = createRequire(import.meta.url)(process.argv[1]);
let a = 12345;
const rand = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const d = 384, unit = (v) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
const centres = Array.from({ length: 30 }, () => Array.from({ length: d }, () => rand() - 0.5));
const vec = () => unit(centres[Math.floor(rand() * 30)].map((c) => c + 0.3 * (rand() - 0.5)));
const data = Array.from({ length: 3000 }, vec);
const index = new lib.HierarchicalNSW("cosine", d);
index.initIndex({ maxElements: data.length, m: 16, efConstruction: 100, randomSeed: 100 });
const half = data.length / 2;
data.slice(0, half).forEach((v, i) => index.addPoint(v, i));
if (typeof index.addPointsParallel === "function") {
  const flat = new Float32Array(half * d);
  data.slice(half).forEach((v, i) => flat.set(v, i * d));
  index.addPointsParallel(flat, Uint32Array.from({ length: half }, (_, i) => half + i), 2);
} else data.slice(half).forEach((v, i) => index.addPoint(v, half + i));
if (index.getCurrentCount() !== data.length) { console.error("count " + index.getCurrentCount()); process.exit(1); }
index.setEf(200);
let ok = 0, worst = 0;
for (let q = 0; q < 200; q++) {
  const v = vec();
  let best = -1, bestSim = -2;
  data.forEach((x, i) => { let s = 0; for (let k = 0; k < d; k++) s += x[k] * v[k]; if (s > bestSim) { bestSim = s; best = i; } });
  const r = index.searchKnn(v, 1);
  if (r.neighbors[0] !== best) continue;
  ok++;
  worst = Math.max(worst, Math.abs(1 - r.distances[0] - bestSim));
}
if (ok < 190 || worst > 1e-3) { console.error("recall " + ok + "/200, max similarity error " + worst); process.exit(1); }
console.log("recall@1 " + ok + "/200");
`;

try {
  main();
} catch (err) {
  say(`skipped (${err?.message ?? err}); portable build in use`);
}
