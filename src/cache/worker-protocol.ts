import type { IndexItem } from "./namespaced-index.js";

/** Messages between WorkerSemanticIndex (main thread) and index-worker.ts. */
export type WorkerRequest = { seq: number } & (
  | { op: "add"; id: string; namespace: string; vector: Float32Array; expiresAt: number }
  | { op: "addMany"; items: readonly IndexItem[] }
  | { op: "remove"; id: string }
  | { op: "search"; namespace: string; vector: Float32Array; k: number; now: number }
  | { op: "expire"; now: number }
  | { op: "ids" }
  | { op: "save"; dir: string }
  | { op: "ping" }
  | { op: "tune"; efSearch: number }
);

export type WorkerReply =
  | { seq: number; result?: unknown; error?: string; size: number }
  | { log: { level: "debug" | "info" | "warn" | "error"; fields: object; msg: string } };
