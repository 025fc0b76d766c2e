import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingLike } from "../../bench/cache/embedding-like.js";
import { DEFAULT_CACHE_OPTIONS } from "../../src/cache/config.js";
import { consoleLogger } from "../../src/core/logger.js";
import { type SemanticIndex, type SemanticIndexOptions } from "../../src/cache/semantic-index.js";
import { openSemanticIndex } from "../../src/cache/open-semantic-index.js";
import { transpiledWorkerScript } from "../unit/cache/support/worker-script.js";

/**
 * One suite, every implementation of SemanticIndex: HNSW on the main thread, HNSW in a worker
 * thread, and the brute-force reference. Same seeded data, same questions, same answers.
 */
const DIMS = 64;
const N = 3000;
const FAR = Number.MAX_SAFE_INTEGER;
const hnsw = { ...DEFAULT_CACHE_OPTIONS.semantic.hnsw, initialCapacity: 256 };

type Factory = (extra?: Partial<SemanticIndexOptions>) => Promise<SemanticIndex>;
let workerScript: URL;
beforeAll(() => {
  workerScript = transpiledWorkerScript();
});

const implementations: [string, Factory][] = [
  ["hnsw (inline)", (x) => openSemanticIndex({ dims: DIMS, kind: "hnsw", hnsw, tag: "t", thread: "inline", log: consoleLogger, ...x })],
  ["hnsw (worker)", (x) => openSemanticIndex({ dims: DIMS, kind: "hnsw", hnsw, tag: "t", thread: "worker", log: consoleLogger, workerScript, ...x })],
  ["hnsw (2 worker shards)", (x) => openSemanticIndex({ dims: DIMS, kind: "hnsw", hnsw, tag: "t", thread: "worker", shards: 2, log: consoleLogger, workerScript, ...x })],
  ["brute force", (x) => openSemanticIndex({ dims: DIMS, kind: "brute", hnsw, tag: "t", thread: "inline", log: consoleLogger, ...x })],
];

function seeded(seed = 42) {
  const gen = new EmbeddingLike(DIMS, seed, 40, 8);
  const data = Array.from({ length: N }, () => gen.next());
  const queries = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? gen.perturb(data[gen.pick(N)]!, 0.1) : gen.next()));
  return { data, queries };
}

const top1: Record<string, string[]> = {};

describe.each(implementations)("SemanticIndex contract: %s", (name, open) => {
  let index: SemanticIndex;
  const { data, queries } = seeded();

  beforeAll(async () => {
    index = await open();
    for (let i = 0; i < N; i++) await index.add(`e${i}`, i % 3 === 0 ? "ns-b" : "ns-a", data[i]!, FAR);
  });
  afterAll(async () => {
    await index.close();
  });

  it("counts what it holds", () => {
    expect(index.size).toBe(N);
  });

  it("finds a stored vector itself, with similarity ~1", async () => {
    const hits = await index.search("ns-a", data[1]!, 1);
    expect(hits[0]?.id).toBe("e1");
    expect(hits[0]!.similarity).toBeGreaterThan(0.999);
  });

  it("answers only from the namespace asked", async () => {
    // e0 lives in ns-b: searching ns-a with e0's own vector must not return it.
    const hits = await index.search("ns-a", data[0]!, 5);
    expect(hits.length).toBe(5);
    for (const h of hits) expect(Number(h.id.slice(1)) % 3).not.toBe(0);
    expect(await index.search("ns-none", data[0]!, 5)).toEqual([]);
  });

  it("returns hits most similar first", async () => {
    const hits = await index.search("ns-a", queries[1]!, 10);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.similarity).toBeGreaterThanOrEqual(hits[i]!.similarity);
  });

  it("replaces an id that is added again and forgets a removed id", async () => {
    await index.add("e1", "ns-a", data[2]!, FAR);
    expect(index.size).toBe(N);
    expect((await index.search("ns-a", data[1]!, 1))[0]?.id).not.toBe("e1");
    await index.remove("e2");
    const hits = await index.search("ns-a", data[2]!, 1);
    expect(hits[0]?.id).toBe("e1");
    await index.add("e1", "ns-a", data[1]!, FAR);
    await index.add("e2", "ns-a", data[2]!, FAR);
    expect(index.size).toBe(N);
  });

  it("skips and expires entries past their time, and lists what it holds", async () => {
    await index.add("x1", "ns-c", data[5]!, 1_000);
    await index.add("x2", "ns-c", data[6]!, FAR);
    const listed = new Map((await index.ids()).map((e) => [e.id, e.namespace]));
    expect(listed.size).toBe(N + 2);
    expect(listed.get("x1")).toBe("ns-c");
    expect((await index.search("ns-c", data[5]!, 2, 2_000)).map((h) => h.id)).toEqual(["x2"]);
    expect(await index.expire(2_000)).toBe(1);
    expect(index.size).toBe(N + 1);
    await index.remove("x2");
    expect(index.size).toBe(N);
    expect(await index.search("ns-c", data[6]!, 1)).toEqual([]);
  });

  it("saves to a directory and reopens with the same answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-contract-index-"));
    const first = await open({ dir });
    for (let i = 0; i < 300; i++) await first.add(`p${i}`, i % 2 === 0 ? "ns-a" : "ns-b", data[i]!, FAR);
    const before = await Promise.all(queries.slice(0, 20).map(async (q) => (await first.search("ns-a", q, 3)).map((h) => h.id)));
    await first.close();
    const again = await open({ dir });
    try {
      expect(again.size).toBe(300);
      const after = await Promise.all(queries.slice(0, 20).map(async (q) => (await again.search("ns-a", q, 3)).map((h) => h.id)));
      expect(after).toEqual(before);
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("adds a batch as it adds one by one: replaces ids, reuses removed slots, refuses a bad vector whole", async () => {
    const batch = await open();
    try {
      const items = (from: number, to: number, prefix = "b") =>
        Array.from({ length: to - from }, (_, k) => ({ id: `${prefix}${from + k}`, namespace: (from + k) % 2 ? "ns-a" : "ns-b", vector: data[from + k]!, expiresAt: FAR }));
      await batch.addMany(items(0, 1000));
      expect(batch.size).toBe(1000);
      for (let i = 0; i < 1000; i += 37) {
        const hits = await batch.search(i % 2 ? "ns-a" : "ns-b", data[i]!, 1);
        expect(hits[0]?.id).toBe(`b${i}`);
      }
      // Re-adding b1 with b3's vector in a batch moves it; an id twice in a batch: the last wins.
      await batch.addMany([{ ...items(1, 2)[0]!, vector: data[5]! }, { ...items(7, 8)[0]!, vector: data[9]! }, { ...items(7, 8)[0]!, vector: data[11]! }]);
      expect(batch.size).toBe(1000);
      expect((await batch.search("ns-a", data[1]!, 1))[0]?.id).not.toBe("b1");
      expect((await batch.search("ns-a", data[11]!, 2)).map((h) => h.id).sort()).toEqual(["b11", "b7"]);
      // Removed slots are reused by the next batch; the graph still finds everything.
      for (let i = 100; i < 300; i++) await batch.remove(`b${i}`);
      await batch.addMany(items(1000, 1400));
      expect(batch.size).toBe(1200);
      for (let i = 1000; i < 1400; i += 13) expect((await batch.search(i % 2 ? "ns-a" : "ns-b", data[i]!, 1))[0]?.id).toBe(`b${i}`);
      expect((await batch.search("ns-b", data[200]!, 1))[0]?.id).not.toBe("b200");
      // A vector of the wrong size refuses the whole batch; nothing in it is added.
      await expect(batch.addMany([...items(1400, 1410), { id: "bad", namespace: "ns-a", vector: new Float32Array(3), expiresAt: FAR }])).rejects.toThrow(/dims/);
      expect(batch.size).toBe(1200);
    } finally {
      await batch.close();
    }
  });

  it("records top-1 answers for the cross-implementation comparison", async () => {
    top1[name] = [];
    for (const q of queries) top1[name]!.push((await index.search("ns-a", q, 1))[0]!.id);
    expect(top1[name]!.length).toBe(queries.length);
  });
});

describe("HNSW vs brute force on the same seeded data", () => {
  it("recall@1 of HNSW (inline and worker) against the exact answers is >= 0.98", () => {
    const exact = top1["brute force"]!;
    for (const name of ["hnsw (inline)", "hnsw (worker)", "hnsw (2 worker shards)"]) {
      const got = top1[name]!;
      const recall = got.filter((id, i) => id === exact[i]).length / exact.length;
      console.log(`recall@1 ${name} vs brute force: ${recall.toFixed(3)} over ${exact.length} queries (${N} x ${DIMS}-d)`);
      expect(recall).toBeGreaterThanOrEqual(0.98);
    }
    // Inline and worker run the same graph code with the same seed: identical answers.
    expect(top1["hnsw (worker)"]).toEqual(top1["hnsw (inline)"]);
  });
});
