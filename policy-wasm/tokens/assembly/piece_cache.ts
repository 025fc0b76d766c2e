// A direct-mapped cache of pieces: piece bytes -> token ids. Text repeats its words, so most
// pieces of a request (and of the next request) have been seen before: a hit costs the hash
// and one cache line, where the rank table costs a probe of its 2-4 MB slot arrays plus the
// token's offset and bytes (3-4 cache lines in tables far larger than the CPU's L2), and a
// piece that is not one whole token also costs the merges. Both kinds are cached: whole tokens
// (one id) and merged pieces. Keys are compared in full, so the cache never changes a result;
// a colliding piece simply replaces the entry.
//
// Entry (ENTRY_BYTES = 64, one cache line; the array is 64-byte aligned): u8 key length
// (0 = empty), u8 id count, 6 bytes unused, key bytes [8, 40) (zero-padded up to 16 bytes for
// keys of at most SHORT_PIECE bytes), ids u32 [40, 64).

import { SHORT_PIECE, shortWord0, shortWord1 } from "./hash";

export const CACHE_KEY_MAX: usize = 32;
const MAX_IDS: usize = 6; // a piece of <= 32 bytes that needs more ids is merged every time
const ENTRY_BYTES: usize = 64;
const ENTRIES: u32 = 1 << 14; // 1 MiB per table
const KEY_AT: usize = 8;
const IDS_AT: usize = 40;

let cache: usize = 0;

/** Each rank table has its own cache (ids differ per encoding): ranks.ts swaps them. */
export function cacheBase(): usize { return cache; }
export function setCacheBase(base: usize): void { cache = base; }

function allocateCache(): usize {
  const bytes = <usize>ENTRIES * ENTRY_BYTES;
  const raw = heap.alloc(bytes + ENTRY_BYTES);
  const base = (raw + ENTRY_BYTES - 1) & ~(ENTRY_BYTES - 1); // an entry never straddles two lines
  memory.fill(base, 0, bytes);
  return base;
}

@inline function entryFor(h: u32): usize {
  if (cache == 0) cache = allocateCache();
  // Bits 7.. of the hash: the rank table's slot index uses the low bits.
  return cache + <usize>((h >> 7) & (ENTRIES - 1)) * ENTRY_BYTES;
}

/**
 * The entry holding the short piece (len <= SHORT_PIECE) whose zero-padded words are w0, w1
 * (hash.ts shortWord0/1), or 0. Short keys are stored zero-padded, so the length and both
 * words are checked at once, with one branch.
 */
@inline export function cacheLookupShort(w0: u64, w1: u64, len: usize, h: u32): usize {
  const entry = entryFor(h);
  const differ = (<u64>load<u8>(entry) ^ <u64>len) | (load<u64>(entry + KEY_AT) ^ w0) | (load<u64>(entry + KEY_AT + 8) ^ w1);
  return differ == 0 ? entry : 0;
}

/** The entry holding the piece [p, p + len) (SHORT_PIECE < len <= CACHE_KEY_MAX), or 0. */
export function cacheLookup(p: usize, len: usize, h: u32): usize {
  const entry = entryFor(h);
  if (<usize>load<u8>(entry) != len) return 0;
  // Compare 8 bytes at a time; the last word is masked (the key area is followed by the ids,
  // the piece by more text or the buffer's slack).
  let a = entry + KEY_AT;
  let b = p;
  let left = len;
  while (left > 8) {
    if (load<u64>(a) != load<u64>(b)) return 0;
    a += 8;
    b += 8;
    left -= 8;
  }
  const mask = <u64>-1 >> ((8 - <u64>left) << 3); // left is 1..8 here
  if (((load<u64>(a) ^ load<u64>(b)) & mask) != 0) return 0;
  return entry;
}

/** Number of ids of a cached piece. */
@inline export function cachedCount(entry: usize): u32 { return <u32>load<u8>(entry + 1); }
/** Id k of a cached piece. */
@inline export function cachedId(entry: usize, k: usize): u32 { return load<u32>(entry + IDS_AT + (k << 2)); }

/** Claims the entry for a piece and writes its key (zero-padded when short) and id count. */
function storeKey(p: usize, len: usize, h: u32, count: usize): usize {
  const entry = entryFor(h);
  store<u8>(entry, <u8>len);
  store<u8>(entry + 1, <u8>count);
  if (len <= SHORT_PIECE) {
    store<u64>(entry + KEY_AT, shortWord0(p, len));
    store<u64>(entry + KEY_AT + 8, shortWord1(p, len));
  } else memory.copy(entry + KEY_AT, p, len);
  return entry;
}

/** Caches a piece that is one whole token. */
export function cacheStoreToken(p: usize, len: usize, h: u32, id: u32): void {
  store<u32>(storeKey(p, len, h, 1) + IDS_AT, id);
}

/** Caches a merged piece: `count` ids (u32 each) at `ids`. */
export function cacheStore(p: usize, len: usize, h: u32, ids: usize, count: usize): void {
  if (count > MAX_IDS || len > CACHE_KEY_MAX) return;
  memory.copy(storeKey(p, len, h, count) + IDS_AT, ids, count << 2);
}
