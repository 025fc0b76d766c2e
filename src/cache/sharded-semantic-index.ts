import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { checkDims, type IndexedId, type IndexItem, type SearchHit } from "./namespaced-index.js";
import type { SemanticIndex, SemanticIndexOptions } from "./semantic-index.js";
import { WorkerSemanticIndex } from "./worker-semantic-index.js";

/**
 * The index split over several worker threads, for large indexes on machines with idle cores.
 *
 * npm's hnswlib-node inserts on the calling thread only: one thread builds ~1,300-2,000 vectors/s
 * at 1M x 384 (bench/RESULTS.md, "Semantic cache (issue 6)"); the native copy's addPointsParallel
 * (addMany) builds one graph on every core instead, which is the better way to use idle cores for
 * a rebuild. Shards remain for spreading a graph's memory and searches. With `shards` workers, each id goes
 * to one shard (by a hash of the id, so a re-add or a remove reaches the same shard), inserts
 * into different shards run in parallel, and a search asks every shard (in parallel) and merges
 * their top-k. Each shard holds 1/shards of the entries, so at the same ef its recall is that of
 * a smaller graph; the cost is one search per shard (CPU per lookup ~ shards x a search of
 * size/shards), so it pays only where cores are idle.
 *
 * Inserts run in parallel when the caller keeps several in flight or adds a batch (the rebuild in
 * ResponseCache does); each shard still answers its own requests in order, so an add followed
 * by a search sees the add. Persistence: shard i of S saves to `<dir>/shard-<i>-of-<S>/`; a
 * different shard count (or the unsharded layout) finds no files, the entries are re-added from
 * the entry store, and the next save removes the other layout.
 */
export class ShardedSemanticIndex implements SemanticIndex {
  readonly mode = "worker";

  private constructor(
    private readonly shards: WorkerSemanticIndex[],
    readonly kind: "hnsw" | "brute",
    private readonly dir: string | undefined,
    private readonly dims: number,
  ) {}

  static async open(options: SemanticIndexOptions, shardCount: number, script: URL): Promise<ShardedSemanticIndex> {
    const count = Math.max(1, Math.floor(shardCount));
    const sub = (d: string | undefined, i: number): string | undefined => (d === undefined ? undefined : join(d, shardDir(i, count)));
    const opened = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => {
        const dir = sub(options.dir, i);
        const loadFrom = sub(options.loadFrom, i);
        const { dir: _d, loadFrom: _l, ...rest } = options;
        // The shards build in parallel already: each batch insert gets its share of the cores.
        const insertThreads = rest.hnsw.insertThreads || Math.max(1, Math.floor(availableParallelism() / count));
        const hnsw = { ...rest.hnsw, insertThreads };
        return WorkerSemanticIndex.open({ ...rest, hnsw, ...(dir ? { dir } : {}), ...(loadFrom ? { loadFrom } : {}), thread: "worker" }, script);
      }),
    );
    const shards = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await Promise.all(shards.map((s) => s.close().catch(() => {})));
      throw failed.reason;
    }
    return new ShardedSemanticIndex(shards, options.kind, options.dir, options.dims);
  }

  get shardCount(): number {
    return this.shards.length;
  }

  get size(): number {
    let n = 0;
    for (const s of this.shards) n += s.size;
    return n;
  }

  add(id: string, namespace: string, vector: Float32Array, expiresAt: number): Promise<void> {
    return this.shardOf(id).add(id, namespace, vector, expiresAt);
  }

  async addMany(items: readonly IndexItem[]): Promise<void> {
    // Checked here, before the batch is split: a bad vector refuses the whole batch, as it does
    // unsharded, instead of one shard refusing its part while the others add theirs.
    for (const item of items) checkDims(item.vector, this.dims);
    const parts = this.shards.map((): IndexItem[] => []);
    for (const item of items) parts[this.shards.length === 1 ? 0 : shardIndex(item.id, this.shards.length)]!.push(item);
    await Promise.all(parts.map((part, i) => (part.length ? this.shards[i]!.addMany(part) : undefined)));
  }

  remove(id: string): Promise<void> {
    return this.shardOf(id).remove(id);
  }

  async search(namespace: string, vector: Float32Array, k: number, now = Date.now()): Promise<SearchHit[]> {
    const parts = await Promise.all(this.shards.map((s) => s.search(namespace, vector, k, now)));
    if (parts.length === 1) return parts[0]!;
    return parts.flat().sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  async expire(now = Date.now()): Promise<number> {
    const counts = await Promise.all(this.shards.map((s) => s.expire(now)));
    return counts.reduce((a, b) => a + b, 0);
  }

  async ids(): Promise<IndexedId[]> {
    return (await Promise.all(this.shards.map((s) => s.ids()))).flat();
  }

  /** Changes the HNSW search breadth of every shard. */
  async setEfSearch(efSearch: number): Promise<void> {
    await Promise.all(this.shards.map((s) => s.setEfSearch(efSearch)));
  }

  async save(dir = this.dir): Promise<void> {
    if (!dir) return;
    await Promise.all(this.shards.map((s, i) => s.save(join(dir, shardDir(i, this.shards.length)))));
    await this.pruneOtherLayouts(dir);
  }

  async close(): Promise<void> {
    // Each shard saves to its own directory as it closes.
    const results = await Promise.allSettled(this.shards.map((s) => s.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    if (this.dir) await this.pruneOtherLayouts(this.dir);
  }

  /**
   * The directory is the index's own: anything but this layout's shard directories (another
   * shard count, or the unsharded manifest and files) is never read again; its entries were
   * re-added here from the entry store.
   */
  private async pruneOtherLayouts(dir: string): Promise<void> {
    const mine = new Set(this.shards.map((_, i) => shardDir(i, this.shards.length)));
    const stale = (await readdir(dir).catch(() => [] as string[])).filter((f) => !mine.has(f));
    await Promise.all(stale.map((f) => rm(join(dir, f), { recursive: true, force: true })));
  }

  private shardOf(id: string): WorkerSemanticIndex {
    if (this.shards.length === 1) return this.shards[0]!;
    return this.shards[shardIndex(id, this.shards.length)]!;
  }
}

/** Stable across processes and machines: the first 4 bytes of SHA-1(id), modulo the shard count. */
export function shardIndex(id: string, count: number): number {
  return createHash("sha1").update(id).digest().readUInt32BE(0) % count;
}

function shardDir(i: number, count: number): string {
  return `shard-${i}-of-${count}`;
}
