import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisCacheOptions } from "./config.js";
import { decodeEntry, encodeEntry, type CacheEntry } from "./entry.js";
import type { EntryStore } from "./entry-store.js";
import type { Logger } from "../core/logger.js";

/**
 * Entries in Redis, shared by every replica:
 * - `<prefix>e:<exact key>` holds the encoded entry (answer + embedding), with a PX expiry, so
 *   Redis does TTL (and eviction, under its maxmemory policy);
 * - `<prefix>inserts` is a stream of inserted keys (XADD MAXLEN ~), which every replica tails
 *   with a blocking XREAD on its own connection to feed its local semantic index.
 * Redis being down must never hold or fail a request: no offline queue (commands fail at once
 * while disconnected), one retry, a per-command timeout; the caller turns errors into a bypass.
 */
export class RedisEntryStore implements EntryStore {
  readonly kind = "redis";
  /** Tags this process's stream messages, so it does not re-index its own inserts. */
  readonly replicaId = randomUUID();
  private readonly insertListeners: ((entry: CacheEntry) => void)[] = [];
  private tailing = false;
  private closed = false;
  private lastId = "$";
  private lastErrorLog = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly tail: Redis,
    private readonly options: RedisCacheOptions,
    private readonly log: Logger,
  ) {}

  static async open(options: RedisCacheOptions, log: Logger): Promise<RedisEntryStore> {
    const common = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs,
      // Keep trying in the background; requests meanwhile skip the cache.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      lazyConnect: true,
    };
    // Loaded only when Redis is configured: the client library costs ~12 MB of RSS (bench/RESULTS.md, "Performance").
    const { Redis } = await import("ioredis");
    const redis = new Redis(options.url, { ...common, commandTimeout: options.commandTimeoutMs });
    // The tail connection blocks in XREAD for up to a second; it gets no command timeout.
    const tail = new Redis(options.url, common);
    const store = new RedisEntryStore(redis, tail, options, log);
    for (const c of [redis, tail]) c.on("error", (err: Error) => store.logError(err));
    await Promise.all([redis.connect().catch(() => {}), tail.connect().catch(() => {})]);
    try {
      // Start tailing from the stream's end as of now: later inserts arrive through the tail,
      // earlier ones are found by the caller's scan.
      const last = await redis.xrevrange(store.streamKey, "+", "-", "COUNT", 1);
      store.lastId = last[0]?.[0] ?? "0-0";
    } catch (err) {
      store.logError(err as Error);
      store.lastId = "$";
    }
    return store;
  }

  private get streamKey(): string {
    return `${this.options.keyPrefix}inserts`;
  }

  private entryKey(key: string): string {
    return `${this.options.keyPrefix}e:${key}`;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const buf = await this.redis.getBuffer(this.entryKey(key));
    if (!buf) return undefined;
    const entry = decodeEntry(buf);
    return entry.expiresAt > Date.now() ? entry : undefined;
  }

  async put(entry: CacheEntry): Promise<void> {
    const ttl = Math.max(1, Math.round(entry.expiresAt - Date.now()));
    await this.redis
      .multi()
      .set(this.entryKey(entry.key), encodeEntry(entry), "PX", ttl)
      .xadd(this.streamKey, "MAXLEN", "~", this.options.streamMaxLen, "*", "k", entry.key, "o", this.replicaId)
      .exec();
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.entryKey(key));
  }

  async *scan(): AsyncIterable<CacheEntry> {
    const stream = this.redis.scanStream({ match: this.entryKey("*"), count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      const values = await this.redis.mgetBuffer(...keys);
      for (const buf of values) {
        if (!buf) continue;
        try {
          const entry = decodeEntry(buf);
          if (entry.expiresAt > Date.now()) yield entry;
        } catch (err) {
          this.log.warn({ err: String(err) }, "skipping an unreadable cache entry in Redis");
        }
      }
    }
  }

  async count(): Promise<number> {
    let n = 0;
    const stream = this.redis.scanStream({ match: this.entryKey("*"), count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) n += keys.length;
    return n;
  }

  onInsert(listener: (entry: CacheEntry) => void): void {
    this.insertListeners.push(listener);
    if (!this.tailing) {
      this.tailing = true;
      void this.tailLoop();
    }
  }

  onEvict(): void {
    // Redis expires and evicts on its own; a semantic hit on a vanished entry drops it from the index.
  }

  async sweep(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.tail.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async tailLoop(): Promise<void> {
    while (!this.closed) {
      try {
        const res = (await this.tail.xread("COUNT", 100, "BLOCK", 1000, "STREAMS", this.streamKey, this.lastId)) as
          | [string, [string, string[]][]][]
          | null;
        if (!res) continue;
        for (const [, messages] of res) {
          for (const [id, fields] of messages) {
            this.lastId = id;
            const f = pairs(fields);
            if (f.o === this.replicaId || !f.k) continue;
            const entry = await this.get(f.k).catch(() => undefined);
            if (entry) for (const l of this.insertListeners) l(entry);
          }
        }
      } catch (err) {
        if (this.closed) return;
        this.logError(err as Error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Redis errors repeat at every reconnect attempt: log at most one every 10 s. */
  private logError(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.log.warn({ err: err.message }, "Redis cache store error; the cache is skipped while Redis is unavailable");
  }
}

function pairs(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
