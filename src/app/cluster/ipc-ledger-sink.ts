import type { LedgerSink, UsageRecord } from "../../telemetry/ledger.js";
import type { Channel } from "./channel.js";

/** As often as the file sink writes (ledger-file.ts). */
const FLUSH_INTERVAL_MS = 200;

/**
 * A worker's ledger file sink: its records go to the primary, the one writer of
 * `<data_dir>/usage/*.jsonl`. Why one writer rather than a file per worker: the files, their
 * daily and size rotation, and the usage query (which reads them) stay exactly as with one
 * process, and N processes never append to one file while each believes it knows its size.
 * Records are batched like the file sink's writes (one message per 200 ms); a batch the primary
 * could not take stays here and goes with the next flush; `close` (the drain) sends what is left.
 * The Redis stream sink, when configured, stays in each worker (a stream takes many writers).
 */
export class IpcLedgerSink implements LedgerSink {
  private buffer: UsageRecord[] = [];
  private sending: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly channel: Channel,
    private readonly onError?: (err: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  append(records: UsageRecord[]): void {
    for (const r of records) this.buffer.push(r);
  }

  pending(): number {
    return this.buffer.length;
  }

  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.sending = this.channel
      .call("ledger.append", [batch])
      .then(
        () => undefined,
        (err) => {
          this.buffer = batch.concat(this.buffer);
          this.onError?.(err);
        },
      )
      .finally(() => (this.sending = undefined));
    await this.sending;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
