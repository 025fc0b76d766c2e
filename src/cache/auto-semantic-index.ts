import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexedId, IndexItem, SearchHit } from "./namespaced-index.js";
import type { SemanticIndex, SemanticIndexOptions } from "./semantic-index.js";
import { WorkerSemanticIndex } from "./worker-semantic-index.js";

type Mutation = (index: SemanticIndex) => Promise<unknown>;

/**
 * Starts on the main thread (a small index answers in microseconds, a worker round trip costs
 * more) and moves itself into a worker thread once it holds `threshold` entries, before its
 * inserts and searches get long enough to stall the event loop.
 *
 * The move never rebuilds on the event loop: the graph is written by hnswlib on libuv's thread
 * pool, the worker reads it back, and mutations that arrive meanwhile are queued and replayed in
 * order. Searches keep being answered by the main-thread copy during the move.
 */
export class AutoSemanticIndex implements SemanticIndex {
  private current: SemanticIndex;
  private migration: Promise<void> | undefined;
  private queue: Mutation[] | undefined;

  constructor(
    inline: SemanticIndex,
    private readonly options: SemanticIndexOptions,
    private readonly threshold: number,
    private readonly workerScript: () => URL,
  ) {
    this.current = inline;
  }

  get mode(): "inline" | "worker" {
    return this.current.mode;
  }

  get kind(): "hnsw" | "brute" {
    return this.current.kind;
  }

  get size(): number {
    return this.current.size;
  }

  /** Resolves when a move to the worker (if one is running) has finished. */
  async settled(): Promise<void> {
    await this.migration;
  }

  async add(id: string, namespace: string, vector: Float32Array, expiresAt: number): Promise<void> {
    await this.mutate((i) => i.add(id, namespace, vector, expiresAt));
    this.moveWhenLarge();
  }

  async addMany(items: readonly IndexItem[]): Promise<void> {
    await this.mutate((i) => i.addMany(items));
    this.moveWhenLarge();
  }

  private moveWhenLarge(): void {
    if (this.current.mode === "inline" && !this.migration && this.current.size >= this.threshold) {
      this.migration = this.moveToWorker();
    }
  }

  async remove(id: string): Promise<void> {
    await this.mutate((i) => i.remove(id));
  }

  async search(namespace: string, vector: Float32Array, k: number, now?: number): Promise<SearchHit[]> {
    return this.current.search(namespace, vector, k, now);
  }

  async expire(now?: number): Promise<number> {
    return (await this.mutate((i) => i.expire(now))) as number;
  }

  async ids(): Promise<IndexedId[]> {
    await this.migration;
    return this.current.ids();
  }

  async save(dir?: string): Promise<void> {
    await this.migration;
    await this.current.save(dir ?? this.options.dir);
  }

  async close(): Promise<void> {
    await this.migration;
    await this.current.close();
  }

  private async mutate(m: Mutation): Promise<unknown> {
    if (this.queue) {
      // Moving: the main-thread copy is being written out and must not change; replay later.
      return new Promise((resolve, reject) => this.queue!.push((i) => m(i).then(resolve, reject)));
    }
    return m(this.current);
  }

  private async moveToWorker(): Promise<void> {
    const inline = this.current;
    this.queue = [];
    const tmp = await mkdtemp(join(tmpdir(), "sluice-index-move-"));
    try {
      await inline.save(tmp);
      const { log, ...rest } = this.options;
      const worker = await WorkerSemanticIndex.open({ ...rest, log, loadFrom: tmp, thread: "worker" }, this.options.workerScript ?? this.workerScript());
      // Replay in order; new mutations keep queueing until the queue is empty, then switch.
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        for (const m of batch) await m(worker);
      }
      this.current = worker;
      this.queue = undefined;
      log.info({ size: worker.size }, "semantic index moved to a worker thread");
    } catch (err) {
      this.options.log.warn({ err: String(err) }, "could not move the semantic index to a worker thread; staying on the main thread");
      const pending = this.queue ?? [];
      this.queue = undefined;
      for (const m of pending) await m(inline);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
