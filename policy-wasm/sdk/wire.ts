// The protobuf wire-format pieces every module needs: varint reading over the input (a reader
// state: pos, bad), skipping unknown fields, and writing tags, varints and length-delimited bytes
// into the grow-only output buffer. Field numbers come from each module's fields.ts.
import { ByteBuffer } from "./buffers";

export const output = new ByteBuffer();

/** Protobuf wire types. */
export const WIRE_VARINT: u32 = 0;
export const WIRE_I64: u32 = 1;
export const WIRE_LEN: u32 = 2;
export const WIRE_I32: u32 = 5;

/** Reader state: readVarint advances `pos` and sets `bad` on a truncated varint. */
export let pos: i32 = 0;
export let bad: bool = false;
export function startReading(at: i32): void { pos = at; bad = false; }
export function skip(n: i32): void { pos += n; }

export function readVarint(base: usize, end: i32): u32 {
  let result: u32 = 0, shift: u32 = 0;
  while (true) {
    if (pos >= end || shift > 63) { bad = true; return 0; }
    const b = <u32>load<u8>(base + <usize>pos);
    pos++;
    if (shift < 32) result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
    shift += 7;
  }
}

@inline export function varintSize(v: u32): i32 {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

export function writeVarint(v: u32): void {
  output.ensure(5);
  let p = output.ptr + output.len;
  while (v >= 0x80) { store<u8>(p++, <u8>(v | 0x80)); v >>>= 7; }
  store<u8>(p++, <u8>v);
  output.len = p - output.ptr;
}

@inline export function writeTag(field: u32, wireType: u32): void { writeVarint((field << 3) | wireType); }

export function writeBytes(src: usize, len: i32): void {
  output.ensure(<usize>len);
  memory.copy(output.ptr + output.len, src, <usize>len);
  output.len += <usize>len;
}

/** An ASCII AssemblyScript string as UTF-8 bytes (entity names, labels). */
export function writeAscii(s: string): void {
  const n = s.length;
  output.ensure(<usize>n);
  const p = output.ptr + output.len;
  for (let k = 0; k < n; k++) store<u8>(p + <usize>k, <u8>s.charCodeAt(k));
  output.len += <usize>n;
}

/** A varint of up to 64 bits (uint64 fields); sets `bad` on a truncated varint. */
export function readVarint64(base: usize, end: i32): u64 {
  let result: u64 = 0, shift: u64 = 0;
  while (true) {
    if (pos >= end || shift > 63) { bad = true; return 0; }
    const b = <u64>load<u8>(base + <usize>pos);
    pos++;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
    shift += 7;
  }
}

/** Skips a field of wire type `wt` whose key was just read (unknown fields); false when malformed. */
export function skipField(base: usize, end: i32, wt: u32): bool {
  if (wt == WIRE_VARINT) readVarint64(base, end);
  else if (wt == WIRE_I64) skip(8);
  else if (wt == WIRE_I32) skip(4);
  else if (wt == WIRE_LEN) {
    const n = <i32>readVarint(base, end);
    if (bad || n < 0) return false;
    skip(n);
  } else return false;
  return !bad && pos <= end;
}

/** A `float` field (wire type 5, little-endian); sets `bad` when truncated. */
export function readFloat(base: usize, end: i32): f32 {
  if (pos + 4 > end) { bad = true; return 0; }
  const v = load<f32>(base + <usize>pos);
  pos += 4;
  return v;
}

/** A `double` field (wire type 1, little-endian); sets `bad` when truncated. */
export function readDouble(base: usize, end: i32): f64 {
  if (pos + 8 > end) { bad = true; return 0; }
  const v = load<f64>(base + <usize>pos);
  pos += 8;
  return v;
}
