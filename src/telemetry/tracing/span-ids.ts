import { randomFillSync } from "node:crypto";

/**
 * Trace and span ids (the SDK's IdGenerator interface) from a pool of random bytes refilled
 * 4 KiB at a time: the SDK's RandomIdGenerator calls Math.random and writes a shared buffer per
 * 4 bytes, ~1 µs per id in the gateway (bench/RESULTS.md, "Tracing overhead"). An all-zero id
 * is invalid in W3C trace context: its last byte is set instead (as the SDK does).
 */
export class PooledIdGenerator {
  private readonly pool = Buffer.allocUnsafe(4096);
  private next = this.pool.length;

  generateTraceId(): string {
    return this.take(16);
  }

  generateSpanId(): string {
    return this.take(8);
  }

  private take(bytes: number): string {
    if (this.next + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const start = this.next;
    this.next += bytes;
    let zero = true;
    for (let i = start; i < start + bytes; i++) {
      if (this.pool[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) this.pool[start + bytes - 1] = 1;
    return this.pool.toString("hex", start, start + bytes);
  }
}
