import type { HnswOptions } from "./config.js";
import type { Logger } from "../core/logger.js";
import type { IndexedId, IndexItem, SearchHit } from "./namespaced-index.js";

/**
 * The semantic index as the cache sees it: asynchronous, so the same interface covers an index
 * on the main thread and one in a worker thread. Vectors are unit-length Float32Arrays.
 */
export interface SemanticIndex {
  readonly mode: "inline" | "worker";
  readonly kind: "hnsw" | "brute";
  /** Entries currently indexed (as of the last completed operation). */
  readonly size: number;
  add(id: string, namespace: string, vector: Float32Array, expiresAt: number): Promise<void>;
  /** Many adds in one step (the rebuild): one message to a worker, one parallel build per namespace. */
  addMany(items: readonly IndexItem[]): Promise<void>;
  remove(id: string): Promise<void>;
  search(namespace: string, vector: Float32Array, k: number, now?: number): Promise<SearchHit[]>;
  expire(now?: number): Promise<number>;
  ids(): Promise<IndexedId[]>;
  /** Persists to `dir` (the directory given at open when omitted). */
  save(dir?: string): Promise<void>;
  close(): Promise<void>;
}

export interface SemanticIndexOptions {
  dims: number;
  kind: "hnsw" | "brute";
  hnsw: HnswOptions;
  /** Embedder identity; a persisted index with another tag is rebuilt. */
  tag: string;
  /** Directory to load from at open and save to at close. */
  dir?: string;
  /** Load from here instead of `dir` (moving an index between threads). */
  loadFrom?: string;
  /** "auto": inline, moving to a worker at `workerThreshold` entries. */
  thread: "inline" | "worker" | "auto";
  workerThreshold?: number;
  /** "worker" (also "auto" opened straight in a worker): split the index over this many worker threads (ShardedSemanticIndex). */
  shards?: number;
  log: Logger;
  /** The compiled worker entry (index-worker.js); found next to this module (or under dist/) by default. */
  workerScript?: URL;
}
