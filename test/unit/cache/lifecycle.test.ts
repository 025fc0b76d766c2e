import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddingLike } from "../../../bench/cache/embedding-like.js";
import { DEFAULT_CACHE_OPTIONS } from "../../../src/cache/config.js";
import { hnswSpaceFactory, type HnswSpace } from "../../../src/cache/hnsw-space.js";
import { MemoryEntryStore } from "../../../src/cache/memory-entry-store.js";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";

const hnsw = { ...DEFAULT_CACHE_OPTIONS.semantic.hnsw, initialCapacity: 8 };

describe("HNSW space lifecycle", () => {
  const gen = new EmbeddingLike(32, 1, 10, 4);

  it("grows its capacity by the growth factor when full", () => {
    const space = hnswSpaceFactory(hnsw).create(32) as HnswSpace;
    expect(space.capacity).toBe(8);
    for (let i = 0; i < 20; i++) space.add(i, gen.next());
    expect(space.size).toBe(20);
    expect(space.capacity).toBe(32); // 8 -> 16 -> 32
  });

  it("reuses deleted slots instead of growing", () => {
    const space = hnswSpaceFactory(hnsw).create(32) as HnswSpace;
    const vs = Array.from({ length: 8 }, () => gen.next());
    vs.forEach((v, i) => space.add(i, v));
    for (let i = 0; i < 4; i++) space.remove(i);
    for (let i = 100; i < 104; i++) space.add(i, gen.next());
    expect(space.capacity).toBe(8);
    expect(space.size).toBe(8);
    // Removed labels are gone; kept ones are still found.
    expect(space.search(vs[5]!, 1)[0]!.label).toBe(5);
    expect(space.search(vs[1]!, 8).map((n) => n.label)).not.toContain(1);
  });
});

describe("cache TTL", () => {
  it("expires entries from the exact cache and the semantic index", async () => {
    let now = 1_000_000;
    const c = await ResponseCache.open({ exact: { ttlS: 60 }, semantic: { threadMode: "inline" } }, { log: recordingLogger(), now: () => now });
    const req = chat({ user: "What is the capital of France?" });
    await c.store(req, "acme", answer("Paris."));
    now += 59_000;
    expect((await c.lookup(req, "acme")).status).toBe("hit_exact");
    expect((await c.lookup(chat({ user: "what is the capital of france" }), "acme")).status).toBe("hit_semantic");
    now += 2_000;
    expect((await c.lookup(req, "acme")).status).toBe("miss");
    expect((await c.lookup(chat({ user: "what is the capital of france" }), "acme")).status).toBe("miss");
    await c.sweep();
    expect(c.index!.size).toBe(0);
    await c.close();
  });
});

describe("exact cache LRU by bytes", () => {
  it("evicts the least recently used entries past the byte budget, and unindexes them", async () => {
    const one = await ResponseCache.open({ semantic: { threadMode: "inline" } }, { log: recordingLogger() });
    await one.store(chat({ user: "question number zero" }), "t", answer("x".repeat(1000)));
    const size = (one.entries as MemoryEntryStore).totalBytes;
    await one.close();

    const c = await ResponseCache.open({ exact: { maxBytes: size * 3 + 10 }, semantic: { threadMode: "inline" } }, { log: recordingLogger() });
    const q = (i: number) => chat({ user: `question number ${["zero", "one", "two", "three"][i]}` });
    for (let i = 0; i < 3; i++) await c.store(q(i), "t", answer("x".repeat(1000)));
    expect((await c.lookup(q(0), "t")).status).toBe("hit_exact"); // 0 is now most recent
    await c.store(q(3), "t", answer("x".repeat(1000))); // evicts 1, the least recently used
    expect((await c.lookup(q(1), "t")).status).toBe("miss");
    expect((await c.lookup(q(0), "t")).status).toBe("hit_exact");
    expect(c.stats.evictions).toBe(1);
    expect(c.index!.size).toBe(3);
    await c.close();
  });
});

describe("persistence", () => {
  const questions = ["What is the capital of France?", "How do I reverse a list in Python?", "Explain the difference between TCP and UDP."];

  async function seed(dir: string): Promise<void> {
    const c = await ResponseCache.open({ dataDir: dir, semantic: { threadMode: "inline" } }, { log: recordingLogger() });
    for (const [i, q] of questions.entries()) await c.store(chat({ user: q }), "acme", answer(`answer ${i}`));
    await c.close();
  }

  it("round-trips entries and the index through the data directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-cache-"));
    await seed(dir);
    expect(readdirSync(join(dir, "semantic-index"))).toContain("manifest.json");
    const log = recordingLogger();
    const c = await ResponseCache.open({ dataDir: dir, semantic: { threadMode: "inline" } }, { log });
    expect(c.index!.size).toBe(3);
    expect(log.warnings).toEqual([]);
    expect(log.infos).toEqual([]); // loaded as saved: nothing had to be re-added
    expect(answerText((await c.lookup(chat({ user: questions[1]! }), "acme")).response)).toBe("answer 1");
    const sem = await c.lookup(chat({ user: "how do i reverse a list in python" }), "acme");
    expect(sem.status).toBe("hit_semantic");
    expect(answerText(sem.response)).toBe("answer 1");
    await c.close();
  });

  it("rebuilds a corrupt index from the entries, with a warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-cache-"));
    await seed(dir);
    const idxDir = join(dir, "semantic-index");
    const file = readdirSync(idxDir).find((f) => f.endsWith(".hnsw"))!;
    const bytes = readFileSync(join(idxDir, file));
    bytes.fill(0xff, 16, 200);
    writeFileSync(join(idxDir, file), bytes);

    const log = recordingLogger();
    const c = await ResponseCache.open({ dataDir: dir, semantic: { threadMode: "inline" } }, { log });
    expect(log.warnings.some((w) => w.includes("corrupt"))).toBe(true);
    expect(log.infos.some((w) => w.includes("synchronised"))).toBe(true);
    expect(c.index!.size).toBe(3);
    const sem = await c.lookup(chat({ user: "how do i reverse a list in python" }), "acme");
    expect(sem.status).toBe("hit_semantic");
    expect(answerText(sem.response)).toBe("answer 1");
    await c.close();
  });

  it("rebuilds when the manifest itself is garbage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-cache-"));
    await seed(dir);
    writeFileSync(join(dir, "semantic-index", "manifest.json"), "{not json");
    const log = recordingLogger();
    const c = await ResponseCache.open({ dataDir: dir, semantic: { threadMode: "inline" } }, { log });
    expect(log.warnings.length).toBe(1);
    expect(c.index!.size).toBe(3);
    expect((await c.lookup(chat({ user: "what is the capital of france" }), "acme")).status).toBe("hit_semantic");
    await c.close();
  });
});
