import { Worker } from "node:worker_threads";
import type { IndexedId, IndexItem, SearchHit } from "./namespaced-index.js";
import type { SemanticIndex, SemanticIndexOptions } from "./semantic-index.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Op = WorkerRequest extends infer R ? (R extends { seq: number } ? Omit<R, "seq"> : never) : never;

/**
 * The index in a worker thread. Requests are answered in order (the worker handles one message
 * at a time), so an insert followed by a search sees the insert. A search costs a message
 * round trip but never blocks the gateway's event loop, which is what matters once the index
 * is large (inserts and rebuilds then take long; figures in src/cache/README.md).
 */
export class WorkerSemanticIndex implements SemanticIndex {
  readonly mode = "worker";
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private currentSize = 0;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly kind: "hnsw" | "brute",
    private readonly dir: string | undefined,
    log: SemanticIndexOptions["log"],
  ) {
    worker.on("message", (msg: WorkerReply) => {
      if ("log" in msg) {
        log[msg.log.level](msg.log.fields, msg.log.msg);
        return;
      }
      this.currentSize = msg.size;
      const p = this.pending.get(msg.seq);
      if (!p) return;
      this.pending.delete(msg.seq);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`semantic index worker exited (code ${code})`));
    });
  }

  static async open(options: SemanticIndexOptions, script: URL): Promise<WorkerSemanticIndex> {
    const { log, workerScript: _ignored, ...data } = options;
    const worker = new Worker(script, { workerData: data });
    const index = new WorkerSemanticIndex(worker, options.kind, options.dir, log);
    await index.call({ op: "ping" });
    return index;
  }

  get size(): number {
    return this.currentSize;
  }

  async add(id: string, namespace: string, vector: Float32Array, expiresAt: number): Promise<void> {
    await this.call({ op: "add", id, namespace, vector, expiresAt });
  }

  async addMany(items: readonly IndexItem[]): Promise<void> {
    await this.call({ op: "addMany", items });
  }

  async remove(id: string): Promise<void> {
    await this.call({ op: "remove", id });
  }

  async search(namespace: string, vector: Float32Array, k: number, now = Date.now()): Promise<SearchHit[]> {
    return (await this.call({ op: "search", namespace, vector, k, now })) as SearchHit[];
  }

  async expire(now = Date.now()): Promise<number> {
    return (await this.call({ op: "expire", now })) as number;
  }

  async ids(): Promise<IndexedId[]> {
    return (await this.call({ op: "ids" })) as IndexedId[];
  }

  /** Changes the HNSW search breadth of the worker's spaces (benchmarks, runtime tuning). */
  async setEfSearch(efSearch: number): Promise<void> {
    await this.call({ op: "tune", efSearch });
  }

  async save(dir = this.dir): Promise<void> {
    if (dir) await this.call({ op: "save", dir });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.save();
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  private call(op: Op): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("semantic index is closed"));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...op, seq } as WorkerRequest);
    });
  }
}
