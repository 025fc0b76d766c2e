import type { RecordedSpan } from "./recorded-span.js";
import type { SpanEncoder } from "./span-encoding.js";

/** The OTEL_BSP_* settings, with the SDK's defaults. */
export interface BatchOptions {
  scheduledDelayMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  exportTimeoutMillis?: number;
}

/** One export request body and how many spans it holds. */
export interface SpanBatch {
  body: Uint8Array;
  count: number;
}

/** Sends one batch; `done(error)` once it is delivered or given up (the OTLP exporter retries on its own). */
export interface BatchSender {
  send(batch: SpanBatch, done: (error?: Error) => void): void;
  shutdown(): Promise<void>;
}

/**
 * The batch span processor (the SDK's BatchSpanProcessor semantics and OTEL_BSP_* settings): an
 * ended span is encoded into the next export body at once; a body goes out when it holds
 * `maxExportBatchSize` spans or `scheduledDelayMillis` after its first span, one export at a
 * time; spans beyond `maxQueueSize` waiting are dropped (counted and reported, never blocking a
 * request).
 */
export class SpanBatches {
  private readonly delay: number;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly exportTimeout: number;
  /** Spans in the body being built. */
  private building = 0;
  /** Bodies waiting to go, and their spans. */
  private readonly ready: SpanBatch[] = [];
  private waiting = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  private stopped = false;
  /** Spans dropped because the queue was full (the first drop is reported through `onFailure`). */
  dropped = 0;

  constructor(
    private readonly encoder: SpanEncoder,
    private readonly sender: BatchSender,
    options: BatchOptions,
    private readonly onFailure: (message: string) => void,
  ) {
    this.delay = options.scheduledDelayMillis ?? 5000;
    this.maxQueue = options.maxQueueSize ?? 2048;
    this.maxBatch = Math.min(options.maxExportBatchSize ?? 512, this.maxQueue);
    this.exportTimeout = options.exportTimeoutMillis ?? 30000;
  }

  /** An ended, sampled span. */
  add(span: RecordedSpan): void {
    if (this.stopped) return;
    if (this.building + this.waiting >= this.maxQueue) {
      if (this.dropped++ === 0) this.onFailure(`span queue full (${this.maxQueue}): dropping spans until the exporter catches up`);
      return;
    }
    this.encoder.add(span);
    this.building++;
    if (this.building >= this.maxBatch) this.seal();
    else this.timer ??= setTimeout(() => this.seal(), this.delay).unref();
  }

  /** Sends everything ended so far; resolves when it has gone (or failed). */
  forceFlush(): Promise<void> {
    if (this.building > 0) this.seal();
    if (!this.sending && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    await this.sender.shutdown();
  }

  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.building === 0) return;
    this.ready.push({ body: this.encoder.take(), count: this.building });
    this.waiting += this.building;
    this.building = 0;
    this.pump();
  }

  private pump(): void {
    if (this.sending) return;
    const batch = this.ready.shift();
    if (!batch) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.sending = true;
    let finished = false;
    let timedOut = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      this.waiting -= batch.count;
      this.sending = false;
      if (error) this.onFailure(`export of ${batch.count} spans failed: ${error.message}`);
      // After a timeout the transport may still hold the body (a retry): its memory is not reused.
      else if (!timedOut) this.encoder.recycle(batch.body);
      this.pump();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      finish(new Error(`timed out after ${this.exportTimeout} ms`));
    }, this.exportTimeout).unref();
    try {
      this.sender.send(batch, finish);
    } catch (err) {
      finish(err as Error);
    }
  }
}
