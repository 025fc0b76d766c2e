import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AutoSemanticIndex } from "./auto-semantic-index.js";
import { NamespacedIndex, type IndexedId, type IndexItem, type SearchHit } from "./namespaced-index.js";
import type { SemanticIndex, SemanticIndexOptions } from "./semantic-index.js";
import { ShardedSemanticIndex } from "./sharded-semantic-index.js";
import { spaceFactory } from "./space-factory.js";
import { WorkerSemanticIndex } from "./worker-semantic-index.js";

/** Opens the semantic index the options describe: inline, in a worker, sharded over workers, or inline until it grows. */
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
class InlineSemanticIndex implements SemanticIndex {
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
function defaultWorkerScript(): URL {
  const here = new URL("./index-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = fileURLToPath(here).replace(/([\\/])src([\\/])cache([\\/])/, "$1dist$2src$2cache$3");
  if (existsSync(dist)) return pathToFileURL(dist);
  throw new Error(`index worker script not found (${fileURLToPath(here)}); build with \`npm run build:ts\``);
}
