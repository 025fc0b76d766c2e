// The rank tables: token bytes -> rank (the token id), loaded once by `init` from compact blobs
// the host builds from js-tiktoken's rank files. Open addressing over a power-of-two slot array;
// each slot keeps the rank + 1 (0 = empty) and the full 32-bit hash to skip most byte compares.
//
// One table per encoding (TABLE_CL100K, TABLE_O200K) is held at once. The hot loop reads the
// *active* table from plain globals; `useTable` swaps a table's fields (and its piece cache)
// into them once per call, so selecting the encoding per call costs a dozen global stores.
import { SLACK } from "./buffers";
import { OK, ERR_BAD_RANKS } from "./errors";
import { hashBytes } from "./hash";
import { cacheBase, setCacheBase } from "./piece_cache";

export const NO_RANK: u32 = 0xffffffff;
export const PATTERN_CL100K: u32 = 0;
export const PATTERN_O200K: u32 = 1;

/** "SKR1" little-endian: the rank blob's magic and version (see README.md). */
const RANKS_MAGIC: u32 = 0x31524b53;

let tokenCount: u32 = 0;
let tokenBytes: usize = 0; // all token byte strings, concatenated in rank order
let tokenOffsets: usize = 0; // u32[tokenCount + 1]
let slotMask: u32 = 0;
let slotRanks: usize = 0; // u32 per slot: rank + 1
let slotHashes: usize = 0; // u32 per slot
let longestToken: usize = 0;
/** Rank of every single byte: the merge loop starts from these. */
let byteRanks: usize = 0;
export let pattern: u32 = PATTERN_CL100K;

/** Table slots: the index is the pattern (0 cl100k_base, 1 o200k_base). */
const TABLE_COUNT: i32 = 2;

class TableState {
  loaded: bool = false;
  tokenCount: u32 = 0;
  tokenBytes: usize = 0;
  tokenOffsets: usize = 0;
  slotMask: u32 = 0;
  slotRanks: usize = 0;
  slotHashes: usize = 0;
  longestToken: usize = 0;
  byteRanks: usize = 0;
  pairRanks: usize = 0;
  pattern: u32 = 0;
  cache: usize = 0;
}

const tables: StaticArray<TableState> = [new TableState(), new TableState()];
let activeTable: i32 = -1;

export function tableLoaded(index: i32): bool {
  return index >= 0 && index < TABLE_COUNT && unchecked(tables[index]).loaded;
}
export function anyTableLoaded(): bool { return tableLoaded(0) || tableLoaded(1); }

function saveActive(): void {
  if (activeTable < 0) return;
  const t = unchecked(tables[activeTable]);
  t.tokenCount = tokenCount; t.tokenBytes = tokenBytes; t.tokenOffsets = tokenOffsets;
  t.slotMask = slotMask; t.slotRanks = slotRanks; t.slotHashes = slotHashes;
  t.longestToken = longestToken; t.byteRanks = byteRanks; t.pairRanks = pairRanks;
  t.pattern = pattern; t.cache = cacheBase();
}

/** Makes table `index` the one the pre-tokeniser and the merges read. */
export function useTable(index: i32): void {
  if (index == activeTable) return;
  saveActive();
  const t = unchecked(tables[index]);
  tokenCount = t.tokenCount; tokenBytes = t.tokenBytes; tokenOffsets = t.tokenOffsets;
  slotMask = t.slotMask; slotRanks = t.slotRanks; slotHashes = t.slotHashes;
  longestToken = t.longestToken; byteRanks = t.byteRanks; pairRanks = t.pairRanks;
  pattern = t.pattern; setCacheBase(t.cache);
  activeTable = index;
}

@inline function bytesEqual(a: usize, b: usize, len: usize): bool {
  while (len >= 8) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
    len -= 8;
  }
  if (len == 0) return true;
  const mask = (<u64>1 << (<u64>len << 3)) - 1;
  return ((load<u64>(a) ^ load<u64>(b)) & mask) == 0;
}

/** The rank of the byte string [p, p + len), or NO_RANK. */
export function rankOf(p: usize, len: usize): u32 {
  if (len > longestToken) return NO_RANK;
  return rankOfHashed(p, len, hashBytes(p, len));
}

/** rankOf for a caller that already has hashBytes(p, len). */
export function rankOfHashed(p: usize, len: usize, h: u32): u32 {
  if (len > longestToken) return NO_RANK;
  let slot = h & slotMask;
  while (true) {
    const entry = load<u32>(slotRanks + (<usize>slot << 2));
    if (entry == 0) return NO_RANK;
    if (load<u32>(slotHashes + (<usize>slot << 2)) == h) {
      const rank = entry - 1;
      const start = load<u32>(tokenOffsets + (<usize>rank << 2));
      const stop = load<u32>(tokenOffsets + (<usize>(rank + 1) << 2));
      if (<usize>(stop - start) == len && bytesEqual(tokenBytes + <usize>start, p, len)) return rank;
    }
    slot = (slot + 1) & slotMask;
  }
}

@inline export function rankOfByte(b: u32): u32 {
  return load<u32>(byteRanks + (<usize>b << 2));
}

/** Rank of the two bytes at p (every merge starts from these): one load instead of a probe. */
@inline export function rankOfPair(p: usize): u32 {
  return load<u32>(pairRanks + (<usize>load<u16>(p) << 2));
}
let pairRanks: usize = 0;

/**
 * Loads a blob into table slot `index` (which must equal the blob's pattern).
 * Blob: u32 magic "SKR1", u32 pattern (0 cl100k, 1 o200k), u32 token count N,
 * u8[N] byte length of each rank's token (0 = unused rank), then the token bytes in rank order.
 */
export function loadRanks(index: i32, blob: usize, blobLen: usize): i32 {
  if (index < 0 || index >= TABLE_COUNT || unchecked(tables[index]).loaded) return ERR_BAD_RANKS;
  if (blobLen < 12 || load<u32>(blob) != RANKS_MAGIC) return ERR_BAD_RANKS;
  const pat = load<u32>(blob + 4);
  const count = load<u32>(blob + 8);
  if (pat != <u32>index || count == 0 || <u64>count + 12 > <u64>blobLen) return ERR_BAD_RANKS;
  useTable(index); // the globals below are now this table's (a fresh slot: all zero)
  const lengths = blob + 12;
  const bytes = lengths + <usize>count;
  let total: usize = 0;
  for (let i: u32 = 0; i < count; i++) total += <usize>load<u8>(lengths + <usize>i);
  if (<u64>bytes - <u64>blob + <u64>total != <u64>blobLen) return ERR_BAD_RANKS;

  tokenCount = count;
  tokenBytes = heap.alloc(total + SLACK);
  memory.copy(tokenBytes, bytes, total);
  memory.fill(tokenBytes + total, 0, SLACK);
  tokenOffsets = heap.alloc((<usize>count + 1) << 2);
  let offset: u32 = 0;
  longestToken = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(tokenOffsets + (<usize>i << 2), offset);
    const len = <u32>load<u8>(lengths + <usize>i);
    if (<usize>len > longestToken) longestToken = <usize>len;
    offset += len;
  }
  store<u32>(tokenOffsets + (<usize>count << 2), offset);
  assert(<usize>offset == total); // debug builds: the lengths add up to the bytes copied

  let slots: u32 = 1024;
  while (slots < count * 2) slots <<= 1; // load factor <= 0.5
  slotMask = slots - 1;
  slotRanks = heap.alloc(<usize>slots << 2);
  slotHashes = heap.alloc(<usize>slots << 2);
  memory.fill(slotRanks, 0, <usize>slots << 2);
  for (let rank: u32 = 0; rank < count; rank++) {
    const start = load<u32>(tokenOffsets + (<usize>rank << 2));
    const len = <usize>(load<u32>(tokenOffsets + (<usize>(rank + 1) << 2)) - start);
    if (len == 0) continue;
    const p = tokenBytes + <usize>start;
    if (rankOf(p, len) != NO_RANK) return ERR_BAD_RANKS; // duplicate token
    const h = hashBytes(p, len);
    let slot = h & slotMask;
    while (load<u32>(slotRanks + (<usize>slot << 2)) != 0) slot = (slot + 1) & slotMask;
    store<u32>(slotRanks + (<usize>slot << 2), rank + 1);
    store<u32>(slotHashes + (<usize>slot << 2), h);
  }

  byteRanks = heap.alloc(256 << 2);
  const one = heap.alloc(8 + SLACK);
  for (let b: u32 = 0; b < 256; b++) {
    store<u8>(one, <u8>b);
    const r = rankOf(one, 1);
    if (r == NO_RANK) return ERR_BAD_RANKS; // byte-level BPE needs every byte
    store<u32>(byteRanks + (<usize>b << 2), r);
  }
  pairRanks = heap.alloc(65536 << 2);
  for (let b: u32 = 0; b < 65536; b++) {
    store<u16>(one, <u16>b); // little-endian: first byte = b & 0xff, as load<u16> reads it back
    store<u32>(pairRanks + (<usize>b << 2), rankOf(one, 2));
  }
  pattern = pat;
  saveActive();
  unchecked(tables[index]).loaded = true;
  return OK;
}
