// A direct-mapped cache of merged pieces: piece bytes -> token ids. Pieces that are not one
// whole token are mostly repeated words and identifiers, so after the first merge they cost a
// hash (already computed for the whole-piece lookup) and one compare. Keys are compared in
// full, so the cache never changes a result; a colliding piece simply replaces the entry.
//
// Entry (ENTRY_BYTES): u8 key length (0 = empty), u8 id count, 6 bytes unused,
// key bytes [8, 40), ids u32 [40, 40 + 4 * MAX_IDS).

export const CACHE_KEY_MAX: usize = 32;
const MAX_IDS: usize = 14;
const ENTRY_BYTES: usize = 96;
const ENTRIES: u32 = 1 << 14; // 1.5 MB
const KEY_AT: usize = 8;
const IDS_AT: usize = 40;

let cache: usize = 0;

/** Each rank table has its own cache (ids differ per encoding): ranks.ts swaps them. */
export function cacheBase(): usize { return cache; }
export function setCacheBase(base: usize): void { cache = base; }

@inline function entryFor(h: u32): usize {
  if (cache == 0) {
    cache = heap.alloc(<usize>ENTRIES * ENTRY_BYTES);
    memory.fill(cache, 0, <usize>ENTRIES * ENTRY_BYTES);
  }
  return cache + <usize>((h >> 7) & (ENTRIES - 1)) * ENTRY_BYTES;
}

/** The entry holding the piece [p, p + len), or 0. */
export function cacheLookup(p: usize, len: usize, h: u32): usize {
  const entry = entryFor(h);
  if (<usize>load<u8>(entry) != len) return 0;
  // Compare 8 bytes at a time; the last word is masked (the key area is followed by the ids).
  let a = entry + KEY_AT;
  let b = p;
  let left = len;
  while (left >= 8) {
    if (load<u64>(a) != load<u64>(b)) return 0;
    a += 8;
    b += 8;
    left -= 8;
  }
  if (left > 0) {
    const mask = (<u64>1 << (<u64>left << 3)) - 1;
    if (((load<u64>(a) ^ load<u64>(b)) & mask) != 0) return 0;
  }
  return entry;
}

export function cacheStore(p: usize, len: usize, h: u32, ids: usize, count: usize): void {
  if (count > MAX_IDS || len > CACHE_KEY_MAX) return;
  const entry = entryFor(h);
  store<u8>(entry, <u8>len);
  store<u8>(entry + 1, <u8>count);
  memory.copy(entry + KEY_AT, p, len);
  memory.copy(entry + IDS_AT, ids, count << 2);
}
