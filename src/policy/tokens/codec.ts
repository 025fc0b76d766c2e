// The tokens slot's codec: TokensCountInput / TokensInitInput out, TokensCountOutput /
// TokensEncodeOutput in, with contract checks. Hand-written over ../host/wire.ts for the same
// reason as pii/codec.ts: the request path cannot afford protobuf-es's reflective codec.
// TOKENS_FIELDS is the one place its field numbers and types come from
// (test/unit/policy/codec-fields.test.ts checks it against the descriptors generated from
// proto/sluice/policy/v1/policy.proto); the generated schema stays the reference for the bytes
// (test/unit/policy/tokens-slot.test.ts checks both directions).
// UTF-8 comes from TextEncoder, which turns lone surrogates into U+FFFD exactly as the reference
// tiktoken bindings do with the strings they receive.
import { ABI_VERSION } from "../host/definitions.js";
import { PolicyCallError } from "../host/errors.js";
import {
  finishMessage, messageBuffer, putString, putVarint, stringBound, tag, varintSize, WIRE_LEN, WIRE_VARINT, WireError,
  WireReader as Reader, type FieldSpec,
} from "../host/wire.js";

/** The fields this codec writes and reads, by message (policy.proto). */
export const TOKENS_FIELDS = {
  TokensCountInput: {
    abi_version: { no: 1, type: "uint32" },
    encoding: { no: 2, type: "string" },
    texts: { no: 3, type: "string", repeated: true },
  },
  TokensInitInput: {
    abi_version: { no: 1, type: "uint32" },
    tables: { no: 2, type: "message", repeated: true },
  },
  TokensRankTable: {
    encoding: { no: 1, type: "string" },
    ranks: { no: 2, type: "bytes" },
  },
  TokensCountOutput: {
    abi_version: { no: 1, type: "uint32" },
    counts: { no: 2, type: "uint32", repeated: true },
  },
  TokensEncodeOutput: {
    abi_version: { no: 1, type: "uint32" },
    texts: { no: 2, type: "message", repeated: true },
  },
  TokenIds: {
    ids: { no: 1, type: "uint32", repeated: true },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

const COUNT_IN = TOKENS_FIELDS.TokensCountInput, INIT = TOKENS_FIELDS.TokensInitInput, TABLE = TOKENS_FIELDS.TokensRankTable;
const COUNT_OUT = TOKENS_FIELDS.TokensCountOutput, ENCODE_OUT = TOKENS_FIELDS.TokensEncodeOutput;
const IN_ABI = tag(COUNT_IN.abi_version), IN_ENCODING = tag(COUNT_IN.encoding), IN_TEXT = tag(COUNT_IN.texts);
const INIT_ABI = tag(INIT.abi_version), INIT_TABLE = tag(INIT.tables), TABLE_ENCODING = tag(TABLE.encoding), TABLE_RANKS = tag(TABLE.ranks);
const COUNT_ABI = tag(COUNT_OUT.abi_version), ENCODE_ABI = tag(ENCODE_OUT.abi_version), ENCODE_TEXT = tag(ENCODE_OUT.texts);
/** Repeated uint32 fields are read packed or not: by number. */
const COUNTS_NO = COUNT_OUT.counts.no, IDS_NO = TOKENS_FIELDS.TokenIds.ids.no;

const utf8 = new TextEncoder();

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
    buf[at++] = IN_ABI;
    at = putVarint(buf, at, abiVersion);
  }
  at = putString(buf, at, IN_ENCODING, encoding);
  for (const text of texts) at = putString(buf, at, IN_TEXT, text);
  return at;
}

/** TokensCountInput bytes (a view of their own, see ../host/wire.ts finishMessage). */
export function encodeTokensInput(encoding: string, texts: readonly string[], abiVersion = ABI_VERSION): Uint8Array {
  const buf = messageBuffer(tokensInputBound(encoding, texts));
  return finishMessage(buf, writeTokensInput(encoding, texts, buf, abiVersion));
}

interface RankTable {
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
  buf[at++] = INIT_ABI;
  at = putVarint(buf, at, abiVersion);
  encoded.forEach((t, i) => {
    buf[at++] = INIT_TABLE;
    at = putVarint(buf, at, inner[i]!);
    buf[at++] = TABLE_ENCODING;
    at = putVarint(buf, at, t.name.length);
    buf.set(t.name, at);
    at += t.name.length;
    buf[at++] = TABLE_RANKS;
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
    if (key === COUNT_ABI) abi = r.varint();
    else if (key >>> 3 === COUNTS_NO) readUint32s(r, key & 7, counts);
    else r.skip(key & 7);
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
    if (key === ENCODE_ABI) abi = r.varint();
    else if (key === ENCODE_TEXT) {
      const end = r.lengthEnd();
      const inner = new Reader(output, r.pos, end);
      ids.length = 0;
      while (inner.pos < end) {
        const k = inner.varint();
        if (k >>> 3 === IDS_NO) readUint32s(inner, k & 7, ids);
        else inner.skip(k & 7);
      }
      texts.push(Uint32Array.from(ids));
      r.pos = end;
    } else r.skip(key & 7);
  }
  checkAbi(abi);
  if (texts.length !== expected) throw garbage(`ids for ${texts.length} texts, expected ${expected}`);
  return texts;
}
