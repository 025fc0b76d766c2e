// The slot ABI (proto/sluice/policy/v1/policy.proto, ABI version 1; field numbers in fields.ts),
// parsed in place: texts are length-delimited UTF-8 fields of the input and are tokenised where
// they lie, without a copy.
//
//   init:   TokensInitInput  { abi_version, repeated TokensRankTable tables { encoding, ranks } }
//   count:  TokensCountInput { abi_version, encoding, repeated texts }
//           -> TokensCountOutput  { abi_version, packed counts }
//   encode: the same input -> TokensEncodeOutput { abi_version, repeated TokenIds texts { packed ids } }
// The output is built in the shared grow-only `output` buffer (../../sdk/wire.ts).
import {
  output, startReading, readVarint, skip, skipField, pos, bad, varintSize, writeVarint, writeTag, WIRE_VARINT, WIRE_LEN,
} from "../../sdk/wire";
import {
  OK, ERR_NOT_INITIALISED, ERR_ALREADY_INITIALISED, ERR_BAD_RANKS, ERR_BAD_INPUT, ERR_ABI_VERSION,
  ERR_UNKNOWN_ENCODING, ERR_ENCODING_NOT_LOADED,
} from "./errors";
import { loadRanks, useTable, tableLoaded, anyTableLoaded, pattern, PATTERN_O200K, PATTERN_CL100K } from "./ranks";
import { nextPieceCl100k, nextPieceO200k } from "./pretokenize";
import { beginText, encodePiece, tokensSoFar } from "./bpe";
import { TokenIds, TokensCountInput, TokensCountOutput, TokensEncodeOutput, TokensInitInput, TokensRankTable } from "../../sdk/tokens_fields";

import { ABI_VERSION } from "../../sdk/abi";
/** Room left before a length-delimited field's payload: a tag and a 5-byte varint, twice. */
const HEADER_GAP: usize = 12;

/** The table index (= pre-tokeniser pattern) of an encoding name, or -1. */
function encodingIndex(p: usize, len: i32): i32 {
  if (bytesAre(p, len, "cl100k_base")) return <i32>PATTERN_CL100K;
  if (bytesAre(p, len, "o200k_base")) return <i32>PATTERN_O200K;
  return -1;
}

function bytesAre(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let i = 0; i < len; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

// ---------------------------------------------------------------------------------- init

function loadTable(base: usize, at: i32, end: i32): i32 {
  startReading(at);
  let name: i32 = -1, nameLen: i32 = 0, ranks: i32 = -1, ranksLen: i32 = 0;
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    const known = field == TokensRankTable.encoding || field == TokensRankTable.ranks;
    if (known && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, end);
      if (bad || n < 0 || pos + n > end) return ERR_BAD_INPUT;
      if (field == TokensRankTable.encoding) { name = pos; nameLen = n; } else { ranks = pos; ranksLen = n; }
      skip(n);
    } else if (known || !skipField(base, end, wt)) return ERR_BAD_INPUT;
  }
  if (name < 0 || ranks < 0) return ERR_BAD_RANKS;
  const index = encodingIndex(base + <usize>name, nameLen);
  if (index < 0 || tableLoaded(index)) return ERR_BAD_RANKS;
  return loadRanks(index, base + <usize>ranks, <usize>ranksLen);
}

/** `init`: loads every table of a TokensInitInput at `base` (len bytes). */
export function runInit(base: usize, len: i32): i32 {
  if (anyTableLoaded()) return ERR_ALREADY_INITIALISED;
  // Pass 1: framing and abi_version; pass 2: the tables.
  startReading(0);
  let abi: u32 = 0, tables = 0;
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (field == TokensInitInput.abi_version && wt == WIRE_VARINT) abi = readVarint(base, len);
    else if (field == TokensInitInput.tables && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      tables++;
      skip(n);
    } else if (field == TokensInitInput.abi_version || field == TokensInitInput.tables || !skipField(base, len, wt)) return ERR_BAD_INPUT;
    if (bad) return ERR_BAD_INPUT;
  }
  if (abi != ABI_VERSION) return ERR_ABI_VERSION;
  if (tables == 0) return ERR_BAD_RANKS;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    const field = key >>> 3, wt = key & 7;
    if (field == TokensInitInput.tables && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      const at = pos;
      const code = loadTable(base, at, at + n);
      if (code != OK) return code;
      startReading(at + n);
    } else skipField(base, len, wt);
  }
  return OK;
}

// ---------------------------------------------------------------------------- count / encode

function tokenise(p: usize, end: usize): void {
  let i = p;
  if (pattern == PATTERN_O200K) {
    while (i < end) {
      const e = nextPieceO200k(i, end);
      encodePiece(i, e - i);
      i = e;
    }
  } else {
    while (i < end) {
      const e = nextPieceCl100k(i, end);
      encodePiece(i, e - i);
      i = e;
    }
  }
}

/** Closes a length-delimited field whose payload was written after a HEADER_GAP-byte gap at
 *  `start`: writes `tag` + length (and, for encode, the inner TokenIds header) and moves the
 *  payload back over the unused part of the gap. */
function closeField(start: usize, outerField: u32, innerField: u32): void {
  assert(output.len >= start + HEADER_GAP); // debug builds: the header gap was reserved
  const payload = output.len - start - HEADER_GAP;
  const innerLen: usize = innerField == 0 || payload == 0 ? 0 : 1 + <usize>varintSize(<u32>payload);
  const outer = payload + innerLen;
  output.len = start;
  writeTag(outerField, WIRE_LEN);
  writeVarint(<u32>outer);
  if (innerLen > 0) {
    writeTag(innerField, WIRE_LEN);
    writeVarint(<u32>payload);
  }
  memory.copy(output.ptr + output.len, output.ptr + start + HEADER_GAP, payload);
  output.len += payload;
}

/** `count` (emitIds false) / `encode` (true) over a TokensCountInput at `base` (len bytes). */
export function runCount(base: usize, len: i32, emitIds: bool): i32 {
  // Pass 1: framing, abi_version, encoding.
  startReading(0);
  let abi: u32 = 0, name: i32 = -1, nameLen: i32 = 0;
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (field == TokensCountInput.abi_version && wt == WIRE_VARINT) abi = readVarint(base, len);
    else if ((field == TokensCountInput.encoding || field == TokensCountInput.texts) && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      if (field == TokensCountInput.encoding) { name = pos; nameLen = n; }
      skip(n);
    } else if (field == 0 || field == TokensCountInput.abi_version || field == TokensCountInput.encoding ||
               field == TokensCountInput.texts || !skipField(base, len, wt)) return ERR_BAD_INPUT;
    if (bad) return ERR_BAD_INPUT;
  }
  if (abi != ABI_VERSION) return ERR_ABI_VERSION;
  if (!anyTableLoaded()) return ERR_NOT_INITIALISED;
  const index = name < 0 ? -1 : encodingIndex(base + <usize>name, nameLen);
  if (index < 0) return ERR_UNKNOWN_ENCODING;
  if (!tableLoaded(index)) return ERR_ENCODING_NOT_LOADED;
  useTable(index);

  // Pass 2: every text, in order.
  output.len = 0;
  writeTag(emitIds ? TokensEncodeOutput.abi_version : TokensCountOutput.abi_version, WIRE_VARINT);
  writeVarint(ABI_VERSION);
  let countsStart: usize = 0;
  if (!emitIds) {
    countsStart = output.len;
    output.ensure(HEADER_GAP);
    output.len += HEADER_GAP;
  }
  let texts = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    const field = key >>> 3, wt = key & 7;
    if (field == TokensCountInput.texts && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      const text = base + <usize>pos;
      texts++;
      if (emitIds) {
        const start = output.len;
        output.ensure(HEADER_GAP);
        output.len += HEADER_GAP;
        beginText(true);
        tokenise(text, text + <usize>n);
        closeField(start, TokensEncodeOutput.texts, TokenIds.ids);
      } else {
        beginText(false);
        tokenise(text, text + <usize>n);
        writeVarint(tokensSoFar());
      }
      skip(n);
    } else skipField(base, len, wt);
  }
  if (!emitIds) {
    if (texts > 0) closeField(countsStart, TokensCountOutput.counts, 0);
    else output.len = countsStart; // no texts: no counts field
  }
  return OK;
}
