import { describe, expect, it } from "vitest";
import { EmbeddingLike } from "../../../bench/cache/embedding-like.js";
import { AutoSemanticIndex } from "../../../src/cache/auto-semantic-index.js";
import { DEFAULT_CACHE_OPTIONS } from "../../../src/cache/config.js";
import { openSemanticIndex } from "../../../src/cache/open-semantic-index.js";
import { recordingLogger } from "./support/messages.js";
import { transpiledWorkerScript } from "./support/worker-script.js";

describe("auto thread mode", () => {
  it("starts on the main thread and moves to a worker at the threshold, losing no insert made during the move", async () => {
    const log = recordingLogger();
    const index = (await openSemanticIndex({
      dims: 32,
      kind: "hnsw",
      hnsw: { ...DEFAULT_CACHE_OPTIONS.semantic.hnsw, initialCapacity: 16 },
      tag: "t",
      thread: "auto",
      workerThreshold: 100,
      log,
      workerScript: transpiledWorkerScript(),
    })) as AutoSemanticIndex;
    const gen = new EmbeddingLike(32, 3, 20, 4);
    const vs = Array.from({ length: 200 }, () => gen.next());
    for (let i = 0; i < 100; i++) await index.add(`e${i}`, "ns", vs[i]!, Number.MAX_SAFE_INTEGER);
    expect(index.mode).toBe("inline"); // the move has started, not finished
    // Inserts and a removal while the graph is being moved; searches still answered.
    const during = [];
    for (let i = 100; i < 200; i++) during.push(index.add(`e${i}`, "ns", vs[i]!, Number.MAX_SAFE_INTEGER));
    during.push(index.remove("e5"));
    expect((await index.search("ns", vs[7]!, 1))[0]?.id).toBe("e7");
    await Promise.all(during);
    await index.settled();
    expect(index.mode).toBe("worker");
    expect(index.size).toBe(199);
    expect(log.infos.some((m) => m.includes("worker"))).toBe(true);
    for (const i of [0, 99, 100, 150, 199]) expect((await index.search("ns", vs[i]!, 1))[0]?.id).toBe(`e${i}`);
    expect((await index.search("ns", vs[5]!, 3)).map((h) => h.id)).not.toContain("e5");
    await index.close();
  });
});
