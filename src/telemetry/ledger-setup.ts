/**
 * Builds the ledger from config: always the local file sink (the durable copy), plus the Redis
 * stream sink when Redis is configured. Close it on shutdown to flush both.
 */
import type { Redis } from "ioredis";
import { Ledger, type LedgerSink } from "./ledger.js";
import { FileLedgerSink } from "./ledger-file.js";
import { RedisStreamLedgerSink } from "./ledger-redis.js";

export interface LedgerSetup {
  /** Directory of the JSON-lines files, e.g. `<data_dir>/usage`. */
  dir: string;
  /** Replaces the file sink (a cluster worker hands its records to the primary, the files' one writer). */
  local?: LedgerSink;
  /** Rotate files past this size (default 64 MiB); they also rotate every UTC day. */
  maxFileBytes?: number;
  redis?: Redis;
  /** Redis stream key (default `sluice:usage`) and approximate max length (default 1,000,000). */
  streamKey?: string;
  streamMaxLen?: number;
  /** Write errors (disk full, Redis down): log them; records are kept and retried. */
  onError?: (err: unknown, sink: "file" | "redis") => void;
}

export function createLedger(setup: LedgerSetup): Ledger {
  const sinks = [
    setup.local ?? new FileLedgerSink({ dir: setup.dir, maxBytes: setup.maxFileBytes, onError: (e) => setup.onError?.(e, "file") }),
  ] as ConstructorParameters<typeof Ledger>[0];
  if (setup.redis) {
    sinks.push(
      new RedisStreamLedgerSink({
        redis: setup.redis,
        streamKey: setup.streamKey,
        maxLen: setup.streamMaxLen,
        onError: (e) => setup.onError?.(e, "redis"),
      }),
    );
  }
  return new Ledger(sinks);
}
