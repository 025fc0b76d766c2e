import type { CacheEntry } from "./entry.js";

/**
 * Where cached answers live: in this process (MemoryEntryStore) or in Redis, shared by every
 * replica (RedisEntryStore). Both are complete exact caches; the semantic index of each
 * replica is fed from them (`scan` at start, `onInsert` afterwards).
 */
export interface EntryStore {
  readonly kind: "memory" | "redis";
  /** The live entry under `key`; undefined when absent or expired. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores (or replaces) an entry until its expiresAt. */
  put(entry: CacheEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every live entry; used to feed a semantic index at start. */
  scan(): AsyncIterable<CacheEntry>;
  count(): Promise<number>;
  /** Entries stored by OTHER processes (the memory store never calls it). */
  onInsert(listener: (entry: CacheEntry) => void): void;
  /** Keys dropped by the store itself (LRU eviction, expiry sweep). */
  onEvict(listener: (key: string) => void): void;
  /** Drops expired entries where the store does not do it by itself. */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}
