// Hand-written protobuf codec of the tokens slot (proto/sluice/policy/v1/policy.proto, field
// numbers there): TokensCountInput / TokensInitInput out, TokensCountOutput / TokensEncodeOutput
// in, with contract checks. Same reason as pii-wire.ts: the request path cannot afford
// protobuf-es's reflective codec; the generated schema stays the reference
// (test/unit/policy/tokens-slot.test.ts checks both directions against it).
// UTF-8 comes from TextEncoder, which turns lone surrogates into U+FFFD exactly as the reference
// tiktoken bindings do with the strings they receive.
import { PolicyCallError } from "./errors.js";

/** The slot ABI version (slots.ts ABI_VERSION; kept here so slots.ts can import this file). */
export const TOKENS_ABI_VERSION = 1;
const ABI_VERSION = TOKENS_ABI_VERSION;

const utf8 = new TextEncoder();
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** The encodings the shipped module implements (tiktoken's names). */
export const TOKEN_ENCODINGS = ["cl100k_base", "o200k_base"] as const;
export type TokenEncoding = (typeof TOKEN_ENCODINGS)[number];

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function putVarint(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** Most bytes TokensCountInput of `texts` can take (3 UTF-8 bytes per UTF-16 unit at most). */
export function tokensInputBound(encoding: string, texts: readonly string[]): number {
  let bound = 8 + encoding.length * 3;
  for (const t of texts) bound += 6 + t.length * 3;
  return bound;
}

/** Writes TokensCountInput into `buf` (at least tokensInputBound bytes); returns the bytes used. */
export function writeTokensInput(encoding: string, texts: readonly string[], buf: Uint8Array, abiVersion = ABI_VERSION): number {
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, abiVersion);
  }
  at = writeString(buf, at, 2, encoding);
  for (const text of texts) at = writeString(buf, at, 3, text);
  return at;
}

function writeString(buf: Uint8Array, at: number, field: number, text: string): number {
  buf[at++] = (field << 3) | WIRE_LEN;
  // encode after room for the longest possible length prefix, then close the gap
  const room = varintSize(text.length * 3);
  const { written } = utf8.encodeInto(text, buf.subarray(at + room));
  const need = varintSize(written);
  if (need < room) buf.copyWithin(at + need, at + room, at + room + written);
  return putVarint(buf, at, written) + written;
}

/** TokensCountInput as an exact-size buffer (plain Extism hands the whole ArrayBuffer behind a
 *  view to the module, so no oversized scratch). */
export function encodeTokensInput(encoding: string, texts: readonly string[], abiVersion = ABI_VERSION): Uint8Array {
  const buf = new Uint8Array(tokensInputBound(encoding, texts));
  return buf.slice(0, writeTokensInput(encoding, texts, buf, abiVersion));
}

export interface RankTable {
  encoding: string;
  /** The rank blob (policy-wasm/tokens/README.md). */
  ranks: Uint8Array;
}

/** TokensInitInput: abi_version and the rank tables. */
export function encodeTokensInit(tables: readonly RankTable[], abiVersion = ABI_VERSION): Uint8Array {
  const encoded = tables.map((t) => ({ name: utf8.encode(t.encoding), ranks: t.ranks }));
  let size = 1 + varintSize(abiVersion);
  const inner = encoded.map((t) => 1 + varintSize(t.name.length) + t.name.length + 1 + varintSize(t.ranks.length) + t.ranks.length);
  for (const n of inner) size += 1 + varintSize(n) + n;
  const buf = new Uint8Array(size);
  let at = 0;
  buf[at++] = (1 << 3) | WIRE_VARINT;
  at = putVarint(buf, at, abiVersion);
  encoded.forEach((t, i) => {
    buf[at++] = (2 << 3) | WIRE_LEN;
    at = putVarint(buf, at, inner[i]!);
    buf[at++] = (1 << 3) | WIRE_LEN;
    at = putVarint(buf, at, t.name.length);
    buf.set(t.name, at);
    at += t.name.length;
    buf[at++] = (2 << 3) | WIRE_LEN;
    at = putVarint(buf, at, t.ranks.length);
    buf.set(t.ranks, at);
    at += t.ranks.length;
  });
  return buf;
}

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.byteLength) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw garbage("truncated varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw garbage("varint too long");
  }
  /** Skips a field of wire type `wt`. */
  skip(wt: number): void {
    if (wt === WIRE_VARINT) this.varint();
    else if (wt === WIRE_I64) this.pos += 8;
    else if (wt === WIRE_I32) this.pos += 4;
    else if (wt === WIRE_LEN) this.pos += this.varint();
    else throw garbage(`unknown wire type ${wt}`);
    if (this.pos > this.end) throw garbage("truncated field");
  }
  /** The end of a length-delimited field whose tag was just read. */
  lengthEnd(): number {
    const n = this.varint();
    const end = this.pos + n;
    if (end > this.end) throw garbage("truncated field");
    return end;
  }
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `tokens output: ${message}`);
}

/** Reads a `repeated uint32` field (packed or not) whose tag was just read into `into`. */
function readUint32s(r: Reader, wt: number, into: number[]): void {
  if (wt === WIRE_VARINT) into.push(r.varint());
  else if (wt === WIRE_LEN) {
    const end = r.lengthEnd();
    while (r.pos < end) into.push(r.varint());
    if (r.pos !== end) throw garbage("packed field overruns");
  } else throw garbage(`wire type ${wt} for a uint32 list`);
}

function checkAbi(abi: number): void {
  if (abi !== ABI_VERSION) throw garbage(`abi_version ${abi}, expected ${ABI_VERSION}`);
}

/** TokensCountOutput -> one count per text; throws PolicyCallError("garbage") on a broken contract. */
export function decodeTokensCount(output: Uint8Array, expected: number): number[] {
  const r = new Reader(output);
  const counts: number[] = [];
  let abi = 0;
  while (r.pos < r.end) {
    const key = r.varint();
    const field = Math.floor(key / 8), wt = key & 7;
    if (field === 1 && wt === WIRE_VARINT) abi = r.varint();
    else if (field === 2) readUint32s(r, wt, counts);
    else r.skip(wt);
  }
  checkAbi(abi);
  if (counts.length !== expected) throw garbage(`${counts.length} counts for ${expected} texts`);
  return counts;
}

/** TokensEncodeOutput -> the ids of each text. */
export function decodeTokensEncode(output: Uint8Array, expected: number): Uint32Array[] {
  const r = new Reader(output);
  const texts: Uint32Array[] = [];
  let abi = 0;
  const ids: number[] = [];
  while (r.pos < r.end) {
    const key = r.varint();
    const field = Math.floor(key / 8), wt = key & 7;
    if (field === 1 && wt === WIRE_VARINT) abi = r.varint();
    else if (field === 2 && wt === WIRE_LEN) {
      const end = r.lengthEnd();
      const inner = new Reader(output, r.pos, end);
      ids.length = 0;
      while (inner.pos < end) {
        const k = inner.varint();
        if (Math.floor(k / 8) === 1) readUint32s(inner, k & 7, ids);
        else inner.skip(k & 7);
      }
      texts.push(Uint32Array.from(ids));
      r.pos = end;
    } else r.skip(wt);
  }
  checkAbi(abi);
  if (texts.length !== expected) throw garbage(`ids for ${texts.length} texts, expected ${expected}`);
  return texts;
}
