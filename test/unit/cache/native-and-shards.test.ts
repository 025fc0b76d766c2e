import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { chooseHnswlibBuild, cpuFlags, loadHnswlib, type ParallelAdd } from "../../../src/cache/hnswlib-loader.js";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { shardIndex, ShardedSemanticIndex } from "../../../src/cache/sharded-semantic-index.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";
import { transpiledWorkerScript } from "./support/worker-script.js";

describe("hnswlib-node build choice (native -march=native copy vs npm's portable build)", () => {
  const flags = new Set(["fpu", "sse", "avx", "avx2", "avx512f"]);
  function pkg(record?: object, addon = true): string {
    const dir = mkdtempSync(join(tmpdir(), "sluice-hnswlib-pkg-"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version: "3.0.0" }));
    if (record) {
      mkdirSync(join(dir, "sluice-native"));
      writeFileSync(join(dir, "sluice-native", "build.json"), JSON.stringify(record));
      if (addon) writeFileSync(join(dir, "sluice-native", "addon.node"), "");
    }
    return dir;
  }
  const good = { hnswlibVersion: "3.0.0", platform: "linux", arch: "x64", cxxflags: "-O3 -march=native", simd: "AVX-512", cpuFlags: ["avx", "avx512f", "sse"] };

  it("takes the native build when its record matches this process and CPU", () => {
    const c = chooseHnswlibBuild(pkg(good), {}, flags, "linux", "x64");
    expect(c.build).toBe("native");
    expect(c.detail).toContain("AVX-512");
  });

  it("falls back to the portable build whenever the native one might not fit", () => {
    const cases: [string, ReturnType<typeof chooseHnswlibBuild>][] = [
      ["none built", chooseHnswlibBuild(pkg(), {}, flags, "linux", "x64")],
      ["record without addon", chooseHnswlibBuild(pkg(good, false), {}, flags, "linux", "x64")],
      ["forced", chooseHnswlibBuild(pkg(good), { SLUICE_HNSWLIB: "portable" }, flags, "linux", "x64")],
      ["other hnswlib-node version", chooseHnswlibBuild(pkg({ ...good, hnswlibVersion: "2.1.0" }), {}, flags, "linux", "x64")],
      ["other arch", chooseHnswlibBuild(pkg(good), {}, flags, "linux", "arm64")],
      // node_modules copied from an AVX-512 machine to an AVX2 one: must not SIGILL.
      ["CPU lacks a flag", chooseHnswlibBuild(pkg(good), {}, new Set(["sse", "avx", "avx2"]), "linux", "x64")],
      ["CPU flags unknown", chooseHnswlibBuild(pkg(good), {}, new Set(), "linux", "x64")],
      ["garbage record", chooseHnswlibBuild(pkg({}), {}, flags, "linux", "x64")],
    ];
    for (const [name, c] of cases) expect(c.build, name).toBe("portable");
    expect(cases[5]![1].detail).toContain("avx512f");
  });

  it("loads a working hnswlib in this process (native or portable)", () => {
    const b = loadHnswlib();
    const index = new b.lib.HierarchicalNSW("cosine", 4);
    index.initIndex({ maxElements: 4 });
    index.addPoint([1, 0, 0, 0], 1);
    index.addPoint([0, 1, 0, 0], 2);
    expect(index.searchKnn([0.9, 0.1, 0, 0], 1).neighbors).toEqual([1]);
    console.log(`hnswlib-node build in use: ${b.build} (${b.detail}); CPU flags known: ${cpuFlags().size > 0}`);
  });

  it("the native copy's addPointsParallel builds one graph on several threads, and refuses bad arguments", () => {
    const b = loadHnswlib();
    if (b.build === "portable") {
      // npm's build has no parallel insert: HnswSpace.addMany inserts one point at a time there.
      expect(b.parallelAdd).toBe(false);
      return;
    }
    // What scripts/native-hnswlib.mjs recorded when it patched and built the copy.
    const record = JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve("hnswlib-node/package.json")), "sluice-native/build.json"), "utf8"));
    expect(b.parallelAdd).toBe(record.parallelAdd === true);
    if (!b.parallelAdd) return;
    const index = new b.lib.HierarchicalNSW("cosine", 8) as InstanceType<typeof b.lib.HierarchicalNSW> & ParallelAdd;
    index.initIndex({ maxElements: 500 });
    const points = new Float32Array(500 * 8).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    index.addPointsParallel(points, Uint32Array.from({ length: 500 }, (_, i) => i + 1000), 2);
    expect(index.getCurrentCount()).toBe(500);
    for (const i of [0, 137, 499]) expect(index.searchKnn(Array.from(points.subarray(i * 8, i * 8 + 8)), 1).neighbors).toEqual([i + 1000]);
    expect(() => index.addPointsParallel(points, Uint32Array.from([1]), 2)).toThrow(/expected labels.length/);
    expect(() => index.addPointsParallel(new Float64Array(8) as never, Uint32Array.from([1]), 2)).toThrow(/Float32Array/);
    // Past the capacity: hnswlib's own error, thrown once, not a crash.
    expect(() => index.addPointsParallel(points.subarray(0, 16), Uint32Array.from([1, 2]), 2)).toThrow(/exceeds the specified limit/);
  });
});

describe("sharded index (worker shards)", () => {
  it("spreads ids evenly and stably over the shards", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[shardIndex(`key-${i}`, 3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
    expect(shardIndex("key-1", 3)).toBe(shardIndex("key-1", 3));
  });

  it("serves the cache: hits, persistence per shard, and a rebuild when the shard count changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-cache-shards-"));
    const workerScript = transpiledWorkerScript();
    const questions = ["What is the capital of France?", "How do I reverse a list in Python?", "Explain the difference between TCP and UDP.", "How tall is Mount Everest?"];
    const open = (shards: number, log = recordingLogger()) =>
      ResponseCache.open({ dataDir: dir, semantic: { threadMode: "worker", workerShards: shards } }, { log, workerScript });

    const c = await open(2);
    expect(c.index).toBeInstanceOf(ShardedSemanticIndex);
    for (const [i, q] of questions.entries()) await c.store(chat({ user: q }), "acme", answer(`answer ${i}`));
    expect(c.index!.size).toBe(4);
    const sem = await c.lookup(chat({ user: "how do i reverse a list in python" }), "acme");
    expect(sem.status).toBe("hit_semantic");
    expect(answerText(sem.response)).toBe("answer 1");
    await c.close();
    expect(readdirSync(join(dir, "semantic-index")).sort()).toEqual(["shard-0-of-2", "shard-1-of-2"]);

    // Same shard count: loaded as saved, nothing re-added.
    const log2 = recordingLogger();
    const c2 = await open(2, log2);
    expect(c2.index!.size).toBe(4);
    expect(log2.infos.filter((m) => m.includes("synchronised"))).toEqual([]);
    await c2.close();

    // Three shards: no files for that layout, so every entry is re-added from the entry store.
    const log3 = recordingLogger();
    const c3 = await open(3, log3);
    expect(c3.index!.size).toBe(4);
    expect(log3.infos.some((m) => m.includes("synchronised"))).toBe(true);
    expect(answerText((await c3.lookup(chat({ user: "what is the capital of france" }), "acme")).response)).toBe("answer 0");
    await c3.close();
    expect(readdirSync(join(dir, "semantic-index")).sort()).toEqual(["shard-0-of-3", "shard-1-of-3", "shard-2-of-3"]);

    // Back to one worker (the unsharded layout): rebuilt again, shard directories removed.
    const c1 = await open(1);
    expect(c1.index).not.toBeInstanceOf(ShardedSemanticIndex);
    expect(c1.index!.size).toBe(4);
    await c1.close();
    const files = readdirSync(join(dir, "semantic-index"));
    expect(files).toContain("manifest.json");
    expect(files.filter((f) => f.startsWith("shard-"))).toEqual([]);
    const again = await open(2); // and to shards once more: the unsharded files go
    expect(again.index!.size).toBe(4);
    await again.close();
    expect(readdirSync(join(dir, "semantic-index")).sort()).toEqual(["shard-0-of-2", "shard-1-of-2"]);
  });
});
