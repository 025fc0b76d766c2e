/**
 * Ledger sink on a Redis stream: `XADD <key> MAXLEN ~ <maxLen> * r <json>`, batched in one
 * pipeline per flush. While Redis is unreachable the records stay buffered (in order) and are
 * written when it returns (client `ready` event, the flush timer, or close). Each pipeline reply
 * is checked per command, so only the records that failed are retried. A record whose XADD ran
 * but whose reply was lost may be written twice: readers drop duplicates by record id.
 */
import type { Redis } from "ioredis";
import type { LedgerSink, UsageRecord } from "./ledger.js";

export interface RedisLedgerOptions {
  redis: Redis;
  /** Default `sluice:usage`. */
  streamKey?: string;
  /** Approximate cap on the stream length (XADD MAXLEN ~). Default 1,000,000. */
  maxLen?: number;
  /** Default 200 ms. */
  flushIntervalMs?: number;
  /** Records per pipeline. Default 500. */
  batchSize?: number;
  /**
   * Buffer cap during a long outage; past it the oldest records are dropped from this sink
   * (counted in `dropped`; the file sink still has them). Default 1,000,000.
   */
  maxBuffered?: number;
  onError?: (err: unknown) => void;
}

export const DEFAULT_USAGE_STREAM = "sluice:usage";

export class RedisStreamLedgerSink implements LedgerSink {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly maxLen: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly onError?: (err: unknown) => void;
  private buffer: UsageRecord[] = [];
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onReady = () => void this.flush();
  /** Records dropped because the buffer overflowed during an outage. */
  dropped = 0;

  constructor(options: RedisLedgerOptions) {
    this.redis = options.redis;
    this.key = options.streamKey ?? DEFAULT_USAGE_STREAM;
    this.maxLen = options.maxLen ?? 1_000_000;
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 1_000_000;
    this.onError = options.onError;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
    this.redis.on("ready", this.onReady);
  }

  append(records: UsageRecord[]): void {
    this.buffer.push(...records);
    const over = this.buffer.length - this.maxBuffered;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.dropped += over;
    }
  }

  pending(): number {
    return this.buffer.length;
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.buffer.length === 0) return;
    this.writing = this.writeBuffered().finally(() => (this.writing = undefined));
    await this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off("ready", this.onReady);
    await this.flush();
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      if (this.redis.status !== "ready") return; // fail fast; `ready` triggers the next flush
      const batch = this.buffer.slice(0, this.batchSize);
      const pipeline = this.redis.pipeline();
      for (const r of batch) pipeline.xadd(this.key, "MAXLEN", "~", this.maxLen, "*", "r", JSON.stringify(r));
      let replies: Array<[Error | null, unknown]> | null;
      try {
        replies = await pipeline.exec();
      } catch (err) {
        this.onError?.(err);
        return;
      }
      // Keep only the records whose XADD failed (in order), drop the written ones.
      const failed = batch.filter((_, i) => !replies || replies[i]?.[0]);
      this.buffer.splice(0, batch.length, ...failed);
      if (failed.length > 0) {
        this.onError?.(replies?.find((r) => r[0])?.[0] ?? new Error("ledger stream write failed"));
        return;
      }
    }
  }
}
