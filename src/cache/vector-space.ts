/**
 * One namespace's vectors, addressed by numeric labels (hnswlib's id type). Vectors are unit
 * length; similarity is cosine. Synchronous on purpose: the caller decides which thread it
 * runs on (see semantic-index.ts).
 */
export interface VectorSpace {
  readonly kind: "hnsw" | "brute";
  /** Live (not deleted) vectors. */
  readonly size: number;
  add(label: number, vector: Float32Array): void;
  /**
   * The same as add() for each pair, in one call: an implementation may build them in parallel
   * (HNSW on several threads). Labels must be new and distinct.
   */
  addMany(labels: readonly number[], vectors: readonly Float32Array[]): void;
  remove(label: number): void;
  /** Up to k nearest live vectors, most similar first. */
  search(vector: Float32Array, k: number): Neighbor[];
  /** Writes the space to a file (off the calling thread where the implementation can). */
  save(file: string): Promise<void>;
}

export interface Neighbor {
  label: number;
  similarity: number;
}

export interface VectorSpaceFactory {
  readonly kind: "hnsw" | "brute";
  create(dims: number): VectorSpace;
  /** Reads a saved space; `liveLabels` are the labels the manifest says are alive. Throws if unreadable. */
  load(file: string, dims: number, liveLabels: number[]): Promise<VectorSpace>;
}
