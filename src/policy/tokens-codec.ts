// Hand-written protobuf codec of the tokens slot (proto/sluice/policy/v1/policy.proto, field
// numbers there): TokensCountInput / TokensInitInput out, TokensCountOutput / TokensEncodeOutput
// in, with contract checks. Same reason as pii-wire.ts: the request path cannot afford
// protobuf-es's reflective codec; the generated schema stays the reference
// (test/unit/policy/tokens-slot.test.ts checks both directions against it).
// UTF-8 comes from TextEncoder, which turns lone surrogates into U+FFFD exactly as the reference
// tiktoken bindings do with the strings they receive. The wire helpers are shared (wire.ts).
import { PolicyCallError } from "./errors.js";
import { finishMessage, messageBuffer, putString, putVarint, stringBound, varintSize, WIRE_LEN, WIRE_VARINT, WireError, WireReader as Reader } from "./wire.js";

/** The slot ABI version (slots.ts ABI_VERSION; kept here so slots.ts can import this file). */
export const TOKENS_ABI_VERSION = 1;
const ABI_VERSION = TOKENS_ABI_VERSION;

const utf8 = new TextEncoder();

/** The encodings the shipped module implements (tiktoken's names). */
export const TOKEN_ENCODINGS = ["cl100k_base", "o200k_base"] as const;
export type TokenEncoding = (typeof TOKEN_ENCODINGS)[number];

/** Most bytes TokensCountInput of `texts` can take (3 UTF-8 bytes per UTF-16 unit at most). */
export function tokensInputBound(encoding: string, texts: readonly string[]): number {
  let bound = stringBound(encoding);
  for (const t of texts) bound += stringBound(t);
  return bound + 2;
}

/** Writes TokensCountInput into `buf` (at least tokensInputBound bytes); returns the bytes used. */
export function writeTokensInput(encoding: string, texts: readonly string[], buf: Uint8Array, abiVersion = ABI_VERSION): number {
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, abiVersion);
  }
  at = putString(buf, at, 2, encoding);
  for (const text of texts) at = putString(buf, at, 3, text);
  return at;
}

/** TokensCountInput bytes (a view of their own, see wire.ts finishMessage). */
export function encodeTokensInput(encoding: string, texts: readonly string[], abiVersion = ABI_VERSION): Uint8Array {
  const buf = messageBuffer(tokensInputBound(encoding, texts));
  return finishMessage(buf, writeTokensInput(encoding, texts, buf, abiVersion));
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

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `tokens output: ${message}`);
}

/** Malformed bytes (WireError from the shared reader) are garbage too; anything else as is. */
function wireGarbage(err: unknown): unknown {
  return err instanceof WireError ? garbage(err.message) : err;
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
  try {
    return readTokensCount(output, expected);
  } catch (err) {
    throw wireGarbage(err);
  }
}

function readTokensCount(output: Uint8Array, expected: number): number[] {
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
  try {
    return readTokensEncode(output, expected);
  } catch (err) {
    throw wireGarbage(err);
  }
}

function readTokensEncode(output: Uint8Array, expected: number): Uint32Array[] {
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
