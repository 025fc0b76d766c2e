import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { HnswOptions } from "./config.js";
import type { Logger } from "./logger.js";
import { NamespacedIndex, type IndexedId, type IndexItem, type SearchHit } from "./namespaced-index.js";
import { spaceFactory } from "./semantic-index-factory.js";
import { AutoSemanticIndex } from "./auto-semantic-index.js";
import { ShardedSemanticIndex } from "./sharded-semantic-index.js";
import { WorkerSemanticIndex } from "./worker-semantic-index.js";

export type { IndexedId, IndexItem, SearchHit };
export { spaceFactory };

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

export async function openSemanticIndex(options: SemanticIndexOptions): Promise<SemanticIndex> {
  if (options.thread === "worker") {
    if ((options.shards ?? 1) > 1) return ShardedSemanticIndex.open(options, options.shards!, options.workerScript ?? defaultWorkerScript());
    return WorkerSemanticIndex.open(options, options.workerScript ?? defaultWorkerScript());
  }
  const factory = spaceFactory(options.kind, options.hnsw);
  const from = options.loadFrom ?? options.dir;
  const core = from
    ? await NamespacedIndex.load(from, options.dims, factory, options.tag, options.log)
    : new NamespacedIndex(options.dims, factory, options.tag);
  const inline = new InlineSemanticIndex(core, options.kind, options.dir);
  if (options.thread === "auto") {
    return new AutoSemanticIndex(inline, options, options.workerThreshold ?? Number.POSITIVE_INFINITY, defaultWorkerScript);
  }
  return inline;
}

/** Runs the index on the calling (main) thread: right for small indexes, where a search is µs. */
export class InlineSemanticIndex implements SemanticIndex {
  readonly mode = "inline";

  constructor(
    private readonly core: NamespacedIndex,
    readonly kind: "hnsw" | "brute",
    private readonly dir?: string,
  ) {}

  get size(): number {
    return this.core.size;
  }

  async add(id: string, namespace: string, vector: Float32Array, expiresAt: number): Promise<void> {
    this.core.add(id, namespace, vector, expiresAt);
  }

  async addMany(items: readonly IndexItem[]): Promise<void> {
    this.core.addMany(items);
  }

  async remove(id: string): Promise<void> {
    this.core.remove(id);
  }

  async search(namespace: string, vector: Float32Array, k: number, now = Date.now()): Promise<SearchHit[]> {
    return this.core.search(namespace, vector, k, now);
  }

  async expire(now = Date.now()): Promise<number> {
    return this.core.expire(now);
  }

  async ids(): Promise<IndexedId[]> {
    return this.core.ids();
  }

  async save(dir = this.dir): Promise<void> {
    if (dir) await this.core.save(dir);
  }

  async close(): Promise<void> {
    await this.save();
  }
}

/**
 * index-worker.js beside this module when running compiled code; when running from TypeScript
 * sources (tests), the compiled copy under dist/.
 */
export function defaultWorkerScript(): URL {
  const here = new URL("./index-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = fileURLToPath(here).replace(/([\\/])src([\\/])cache([\\/])/, "$1dist$2src$2cache$3");
  if (existsSync(dist)) return pathToFileURL(dist);
  throw new Error(`index worker script not found (${fileURLToPath(here)}); build with \`npm run build:ts\``);
}
