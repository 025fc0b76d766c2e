import { parentPort, workerData } from "node:worker_threads";
import type { Logger } from "../core/logger.js";
import { NamespacedIndex } from "./namespaced-index.js";
import type { SemanticIndexOptions } from "./semantic-index.js";
import { spaceFactory } from "./space-factory.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

/**
 * The index worker: owns one NamespacedIndex and runs every (blocking) hnswlib call, so the
 * event loop of the gateway never waits on a graph walk, an insert or a rebuild.
 */
const port = parentPort!;
const options = workerData as Omit<SemanticIndexOptions, "log" | "workerScript">;
const forward =
  (level: "debug" | "info" | "warn" | "error") =>
  (fields: object, msg: string): void =>
    port.postMessage({ log: { level, fields, msg } } satisfies WorkerReply);
const log: Logger = { debug: forward("debug"), info: forward("info"), warn: forward("warn"), error: forward("error") };
const factory = spaceFactory(options.kind, options.hnsw);
const from = options.loadFrom ?? options.dir;
const ready = from
  ? NamespacedIndex.load(from, options.dims, factory, options.tag, log)
  : Promise.resolve(new NamespacedIndex(options.dims, factory, options.tag));

port.on("message", (req: WorkerRequest) => {
  void ready.then(async (core) => {
    try {
      let result: unknown;
      switch (req.op) {
        case "add":
          core.add(req.id, req.namespace, req.vector, req.expiresAt);
          break;
        case "addMany":
          core.addMany(req.items);
          break;
        case "remove":
          core.remove(req.id);
          break;
        case "search":
          result = core.search(req.namespace, req.vector, req.k, req.now);
          break;
        case "expire":
          result = core.expire(req.now);
          break;
        case "ids":
          result = core.ids();
          break;
        case "save":
          await core.save(req.dir);
          break;
        case "ping":
          break;
        case "tune":
          // Every HNSW space reads this options object at each search.
          options.hnsw.efSearch = req.efSearch;
          break;
      }
      port.postMessage({ seq: req.seq, result, size: core.size } satisfies WorkerReply);
    } catch (err) {
      port.postMessage({ seq: req.seq, error: String(err), size: core.size } satisfies WorkerReply);
    }
  });
});
