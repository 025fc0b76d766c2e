// The protobuf wire-format pieces shared by the hand-written request-path codecs of the policy
// slots (pii/codec.ts, tokens/codec.ts, router/codec.ts): each codec's table of the fields it
// reads and writes (FieldSpec, checked against policy.proto's generated descriptors by
// test/unit/policy/codec-fields.test.ts), where a message is written, varints, length-delimited
// strings and a bounds-checked reader. Each codec's tests check it against the generated
// protobuf-es schema. UTF-8 comes from TextEncoder (lone surrogates become U+FFFD, as
// protobuf-es does); short ASCII strings, the common case for ids, names and tags, are written
// by a plain loop instead.
//
// Allocation matters at this scale: an ArrayBuffer of its own costs more than encoding a whole
// router request (bench/RESULTS.md, "WASM policy core"). So a message is written into one shared
// scratch buffer and copied out into a region of a pooled chunk (finishMessage): the result is a
// view that no later call overwrites, not an exact-size ArrayBuffer. PolicyInstance makes the
// exact-size copy plain Extism needs (it hands the module the whole ArrayBuffer behind a view);
// `sluice:host` modules copy straight from the view.
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Messages whose bound is larger get a buffer of their own instead of the scratch. */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint8Array(1 << 14);
/** Pooled chunks for finished messages; larger messages get an exact-size copy. */
const POOL_CHUNK = 256 * 1024;
const POOLED_MAX = POOL_CHUNK / 4;
let pool = new Uint8Array(POOL_CHUNK);
let poolAt = 0;

/** A buffer of at least `bound` bytes to write one message into (synchronously), then finishMessage. */
export function messageBuffer(bound: number): Uint8Array {
  if (bound > SCRATCH_MAX) return new Uint8Array(bound);
  if (bound > scratch.byteLength) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(bound, scratch.byteLength * 2)));
  return scratch;
}

/** The `len` bytes written into `buf` (from messageBuffer) as the caller's own: a view of a pooled
 *  region handed out once (or of `buf` itself when it was not the shared scratch). */
export function finishMessage(buf: Uint8Array, len: number): Uint8Array {
  return buf === scratch ? pooledCopy(buf.subarray(0, len)) : buf.subarray(0, len);
}

/** A copy of `bytes` in a region of a pooled chunk that is handed out once (a view; bytes past
 *  POOLED_MAX get an ArrayBuffer of their own). Also used for module outputs (instance.ts). */
export function pooledCopy(bytes: Uint8Array): Uint8Array {
  const len = bytes.byteLength;
  if (len > POOLED_MAX) return bytes.slice();
  if (poolAt + len > POOL_CHUNK) {
    pool = new Uint8Array(POOL_CHUNK);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + len);
  out.set(bytes);
  poolAt += (len + 7) & ~7;
  return out;
}

/** `bytes` as an exact-size buffer (its ArrayBuffer holds nothing else): copied when it is a view. */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export const WIRE_VARINT = 0;
const WIRE_I64 = 1;
export const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** A protobuf field as a hand-written codec reads or writes it: its number in policy.proto and
 *  its type, from which its wire type follows. Each codec exports one table of these per
 *  message; test/unit/policy/codec-fields.test.ts checks the tables against the descriptors
 *  protobuf-es generates from policy.proto, so a number or a type cannot drift. */
export interface FieldSpec {
  readonly no: number;
  readonly type: "uint32" | "uint64" | "bool" | "float" | "double" | "string" | "bytes" | "enum" | "message";
  /** `repeated`: scalars packed (one length-delimited field), strings and messages one field each. */
  readonly repeated?: boolean;
}

const WIRE_TYPES: Readonly<Record<FieldSpec["type"], number>> = {
  uint32: WIRE_VARINT, uint64: WIRE_VARINT, bool: WIRE_VARINT, enum: WIRE_VARINT,
  float: WIRE_I32, double: WIRE_I64, string: WIRE_LEN, bytes: WIRE_LEN, message: WIRE_LEN,
};

/** The key (tag) a field is written with: its number << 3 | its wire type (WIRE_LEN for a
 *  packed repeated scalar). Every field of policy.proto has a number below 16: one byte. */
export function tag(field: FieldSpec): number {
  const key = (field.no << 3) | (field.repeated ? WIRE_LEN : WIRE_TYPES[field.type]);
  if (field.no < 1 || key >= 0x80) throw new Error(`field number ${field.no}: one-byte tags only`);
  return key;
}

/** Strings shorter than this many UTF-16 units try the ASCII loop before TextEncoder. */
const SHORT_STRING = 64;

/** Bytes of a uint32 varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes a uint32 varint at `at`; returns the position after it. */
export function putVarint(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** Writes a varint of a non-negative integer up to 2^53 (uint64 fields). */
export function putVarint64(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/** Most bytes putString can write for `text` under a one-byte tag. */
export function stringBound(text: string): number {
  return 6 + text.length * 3;
}

/** Writes a string field (`key`: its one-byte tag, see tag()) holding `text` as UTF-8; `buf`
 *  needs stringBound(text) bytes from `at`. Returns the position after it. */
export function putString(buf: Uint8Array, at: number, key: number, text: string): number {
  buf[at++] = key;
  const n = text.length;
  if (n < SHORT_STRING) {
    const start = at + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    if (i === n) {
      buf[at] = n;
      return start + n;
    }
  }
  // encode after room for the longest possible length prefix, then close the gap
  const room = varintSize(n * 3);
  const { written } = utf8.encodeInto(text, buf.subarray(at + room));
  const need = varintSize(written);
  if (need < room) buf.copyWithin(at + need, at + room, at + room + written);
  return putVarint(buf, at, written) + written;
}

/** Malformed protobuf bytes; each codec turns it into its own error. */
export class WireError extends Error {}

/** UTF-8 bytes [start, end) as a string; throws WireError on invalid UTF-8. (TextDecoder beats
 *  a JavaScript loop even for short ASCII strings.) */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return strictUtf8.decode(buf.subarray(start, end));
  } catch {
    throw new WireError("invalid UTF-8 in a string field");
  }
}

/** Reads protobuf fields from buf[start, end); every read is bounds-checked (WireError). */
export class WireReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.byteLength) {
    this.pos = start;
  }
  /** A varint as uint32 (longer varints, up to 10 bytes, are truncated as protobuf does). */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) throw new WireError("truncated varint");
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    for (let shift = 7; shift < 70; shift += 7) {
      if (pos >= this.end) throw new WireError("truncated varint");
      b = buf[pos++]!;
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    throw new WireError("varint too long");
  }
  /** The end of a length-delimited field whose tag was just read (pos is at its start). */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new WireError("length runs past the end");
    return end;
  }
  /** [start, end) of a length-delimited field; pos moves past it. */
  span(): [number, number] {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return [start, end];
  }
  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return decodeUtf8(this.buf, start, end);
  }
  /** A `float` field (wire type 5, little-endian) whose tag was just read. */
  float32(): number {
    if (this.pos + 4 > this.end) throw new WireError("truncated float");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  /** Skips a field of wire type `wt` whose tag was just read. */
  skip(wt: number): void {
    if (wt === WIRE_VARINT) this.varint();
    else if (wt === WIRE_LEN) this.pos = this.lengthEnd();
    else if (wt === WIRE_I64) this.pos += 8;
    else if (wt === WIRE_I32) this.pos += 4;
    else throw new WireError(`unsupported wire type ${wt}`);
    if (this.pos > this.end) throw new WireError("field runs past the end");
  }
}
