import { availableParallelism } from "node:os";
import type { HnswOptions } from "./config.js";
import { loadHnswlib, type ParallelAdd } from "./hnswlib-loader.js";
import type { Neighbor, VectorSpace, VectorSpaceFactory } from "./vector-space.js";

// The native (-march=native) build when scripts/native-hnswlib.mjs made one for this CPU, else
// npm's portable build (see hnswlib-loader.ts); loaded with the first graph, so a gateway with
// no semantic cache never loads the addon (memoized by loadHnswlib).
type Hnsw = InstanceType<ReturnType<typeof loadHnswlib>["lib"]["HierarchicalNSW"]>;

/**
 * An HNSW graph (hnswlib-node, cosine). Capacity grows by `growthFactor` when full (resizeIndex
 * is cheap); removals are `markDelete`, and the next insert reuses a deleted slot
 * (`allowReplaceDeleted`), so a cache with TTL churn does not grow without bound.
 */
export class HnswSpace implements VectorSpace {
  readonly kind = "hnsw";
  private live: number;
  private deleted: number;
  private readonly liveLabels: Set<number>;

  constructor(
    private readonly index: Hnsw,
    private readonly options: HnswOptions,
    liveLabels: number[] = [],
  ) {
    this.liveLabels = new Set(liveLabels);
    this.live = this.liveLabels.size;
    this.deleted = Math.max(0, index.getCurrentCount() - this.live);
  }

  get size(): number {
    return this.live;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  add(label: number, vector: Float32Array): void {
    if (this.liveLabels.has(label)) throw new Error(`label ${label} is already in the index`);
    // hnswlib-node refuses typed arrays: it needs a plain number[].
    const point = Array.from(vector);
    if (this.deleted > 0) {
      this.index.addPoint(point, label, true);
      this.deleted--;
    } else {
      this.reserve(1);
      this.index.addPoint(point, label);
    }
    this.liveLabels.add(label);
    this.live++;
  }

  /**
   * With the native build's addPointsParallel, the batch is built on `insertThreads` threads in
   * one call (and crosses into C++ once, as a Float32Array); otherwise one add() per point.
   */
  addMany(labels: readonly number[], vectors: readonly Float32Array[]): void {
    const threads = this.options.insertThreads || availableParallelism();
    if (!loadHnswlib().parallelAdd || threads < 2 || labels.length < 2) {
      labels.forEach((label, i) => this.add(label, vectors[i]!));
      return;
    }
    const dims = this.index.getNumDimensions();
    const points = new Float32Array(labels.length * dims);
    labels.forEach((label, i) => {
      if (this.liveLabels.has(label)) throw new Error(`label ${label} is already in the index`);
      if (vectors[i]!.length !== dims) throw new Error(`vector has ${vectors[i]!.length} dims, index has ${dims}`);
      points.set(vectors[i]!, i * dims);
    });
    if (new Set(labels).size !== labels.length) throw new Error("addMany: labels repeat");
    // Deleted slots are reused first (replaceDeleted), the rest are appended: room for those.
    const reused = Math.min(this.deleted, labels.length);
    this.reserve(labels.length - reused);
    (this.index as unknown as ParallelAdd).addPointsParallel(points, Uint32Array.from(labels), threads, reused > 0);
    this.deleted -= reused;
    for (const label of labels) this.liveLabels.add(label);
    this.live += labels.length;
  }

  /** Grows the capacity (by `growthFactor` steps) so that `n` more points can be appended. */
  private reserve(n: number): void {
    const needed = this.index.getCurrentCount() + n;
    let capacity = this.index.getMaxElements();
    if (needed <= capacity) return;
    while (capacity < needed) capacity = Math.max(Math.ceil(capacity * this.options.growthFactor), capacity + 1);
    this.index.resizeIndex(capacity);
  }

  remove(label: number): void {
    if (!this.liveLabels.delete(label)) return;
    this.index.markDelete(label);
    this.live--;
    this.deleted++;
  }

  search(vector: Float32Array, k: number): Neighbor[] {
    const n = Math.min(k, this.live);
    if (n <= 0) return [];
    this.index.setEf(Math.max(this.options.efSearch, n));
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), n);
    // hnswlib's cosine "distance" is 1 - cosine similarity.
    return neighbors.map((label, i) => ({ label, similarity: 1 - distances[i]! }));
  }

  async save(file: string): Promise<void> {
    // Runs on libuv's thread pool; callers must not mutate the space until it settles.
    await this.index.writeIndex(file);
  }
}

export function hnswSpaceFactory(options: HnswOptions): VectorSpaceFactory {
  return {
    kind: "hnsw",
    create(dims) {
      const index = new (loadHnswlib().lib.HierarchicalNSW)("cosine", dims);
      index.initIndex({
        maxElements: options.initialCapacity,
        m: options.m,
        efConstruction: options.efConstruction,
        randomSeed: options.seed,
        allowReplaceDeleted: true,
      });
      index.setEf(options.efSearch);
      return new HnswSpace(index, options);
    },
    async load(file, dims, liveLabels) {
      const index = new (loadHnswlib().lib.HierarchicalNSW)("cosine", dims);
      await index.readIndex(file, true);
      if (index.getNumDimensions() !== dims) throw new Error(`index has ${index.getNumDimensions()} dims, expected ${dims}`);
      const present = new Set(index.getIdsList());
      for (const label of liveLabels) if (!present.has(label)) throw new Error(`label ${label} missing from the index file`);
      index.setEf(options.efSearch);
      return new HnswSpace(index, options, liveLabels);
    },
  };
}
