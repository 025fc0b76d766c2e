import { epochParts } from "./recorded-span.js";

/**
 * A protobuf writer for OTLP spans: appends fields to one growing buffer. Length-delimited fields
 * are written with a one-byte length reserved up front and widened in place when the content
 * turns out longer than 127 bytes (rare: most keys, values and events are short), so nothing is
 * measured twice and nothing is built as a tree first.
 */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A field's tag (field number and wire type), for numbers below 16 (one byte) and up to 2047. */
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** An unsigned varint below 2^53. */
  varint(n: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** An int64 varint field (negative numbers take ten bytes, two's complement). */
  int64(field: number, n: number): void {
    this.tag(field, 0);
    if (n >= 0) return this.varint(n);
    this.ensure(10);
    let lo = n >>> 0;
    let hi = Math.floor(n / 4294967296) >>> 0;
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = 1;
  }

  double(field: number, value: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  /** An unsigned varint field (counts, enums). */
  uint(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, 5);
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(value, this.pos);
  }

  bool(field: number, value: boolean): void {
    this.tag(field, 0);
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /**
   * A fixed64 of nanoseconds since the epoch, from milliseconds (`performance.timeOrigin +
   * performance.now()`). Epoch nanoseconds (~1.8e18) are beyond a double's exact integers, so the
   * two 32-bit words are built from parts that stay exact.
   */
  timeNanos(field: number, ms: number): void {
    const { secs, nanos } = epochParts(ms);
    // secs * 1e9 + nanos = (secsHigh * 1e9) * 2^16 + (secsLow * 1e9 + nanos), each part below 2^53.
    const a = Math.floor(secs / 65536) * 1e9;
    const b = (secs % 65536) * 1e9 + nanos;
    let lo = (a % 65536) * 65536 + (b % 4294967296);
    let hi = Math.floor(a / 65536) + Math.floor(b / 4294967296);
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi += 1;
    }
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  string(field: number, value: string): void {
    this.tag(field, 2);
    const length = value.length;
    this.ensure(length * 3 + 5);
    const start = this.pos;
    const buf = this.buf;
    // Short ASCII (most keys and values) is copied here: Buffer#write costs more to call than that.
    if (length < 128) {
      let pos = start + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i === length) {
        buf[start] = length;
        this.pos = pos;
        return;
      }
    }
    this.pos = start + 1;
    this.pos += buf.write(value, this.pos);
    this.close(start);
  }

  /** A bytes field from lower-case hex (trace and span ids). */
  hexBytes(field: number, hex: string): void {
    this.tag(field, 2);
    const n = hex.length >> 1;
    this.ensure(1 + n);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = n;
    for (let i = 0; i < n; i++) buf[pos++] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
    this.pos = pos;
  }

  /** Bytes already encoded (a pre-encoded key, a whole message). */
  raw(bytes: Uint8Array): void {
    const length = bytes.length;
    this.ensure(length);
    if (length > 64) {
      this.buf.set(bytes, this.pos);
      this.pos += length;
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = bytes[i]!;
    this.pos = pos;
  }

  /** Starts a length-delimited field; `close` with what this returns once its content is written. */
  open(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of the field `open` started, widening the reserved byte when needed. */
  close(start: number): void {
    const length = this.pos - start - 1;
    if (length < 128) {
      this.buf[start] = length;
      return;
    }
    const width = varintSize(length);
    this.ensure(width - 1);
    this.buf.copyWithin(start + width, start + 1, this.pos);
    this.pos += width - 1;
    putVarint(this.buf, start, length);
  }

  /** What was written, as a copy the writer no longer touches; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** Hex digit values by character code (ids are lower-case hex; anything else reads as 0). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** Writes `n` (unsigned, below 2^53) as a varint at `pos`; returns the position after it. */
export function putVarint(buf: Buffer, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of `n` as a varint. */
export function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
