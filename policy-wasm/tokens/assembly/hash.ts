// The hash of a piece's bytes, shared by the rank tables (ranks.ts) and the piece cache
// (piece_cache.ts). Pieces of at most SHORT_PIECE bytes are read as two zero-padded words
// (shortWord0/1), which the piece cache also stores as its keys.

const K0: u64 = 0x9e3779b97f4a7c15;
const K1: u64 = 0xbf58476d1ce4e5b9;

/** Longest piece hashed (and cached) as two masked words, without a loop or a length branch. */
export const SHORT_PIECE: usize = 16;

/**
 * WORD_MASKS + 16 * len: two u64 masks that keep the first `len` bytes (0..16) of two
 * little-endian words. A table load instead of shifts with length-dependent branches: piece
 * lengths vary from one piece to the next, and every mispredicted branch on them costs more
 * than the hash itself.
 */
const WORD_MASKS: usize = memory.data<u64>([
  0x0000000000000000, 0x0000000000000000, // 0
  0x00000000000000ff, 0x0000000000000000, // 1
  0x000000000000ffff, 0x0000000000000000, // 2
  0x0000000000ffffff, 0x0000000000000000, // 3
  0x00000000ffffffff, 0x0000000000000000, // 4
  0x000000ffffffffff, 0x0000000000000000, // 5
  0x0000ffffffffffff, 0x0000000000000000, // 6
  0x00ffffffffffffff, 0x0000000000000000, // 7
  0xffffffffffffffff, 0x0000000000000000, // 8
  0xffffffffffffffff, 0x00000000000000ff, // 9
  0xffffffffffffffff, 0x000000000000ffff, // 10
  0xffffffffffffffff, 0x0000000000ffffff, // 11
  0xffffffffffffffff, 0x00000000ffffffff, // 12
  0xffffffffffffffff, 0x000000ffffffffff, // 13
  0xffffffffffffffff, 0x0000ffffffffffff, // 14
  0xffffffffffffffff, 0x00ffffffffffffff, // 15
  0xffffffffffffffff, 0xffffffffffffffff, // 16
]);

/** The first `len` (<= SHORT_PIECE) bytes at p as two zero-padded words: w0 = bytes 0-7. */
@inline export function shortWord0(p: usize, len: usize): u64 {
  return load<u64>(p) & load<u64>(WORD_MASKS + (len << 4));
}
@inline export function shortWord1(p: usize, len: usize): u64 {
  return load<u64>(p + 8) & load<u64>(WORD_MASKS + (len << 4) + 8);
}

/** The hash of a piece of at most SHORT_PIECE bytes, from shortWord0 / shortWord1. */
@inline export function hashShort(w0: u64, w1: u64, len: usize): u32 {
  let h = ((<u64>len * K0) ^ w0) * K1;
  h ^= h >> 31;
  h = (h ^ w1) * K1;
  h ^= h >> 29;
  h *= K0;
  return <u32>(h >> 32);
}

/**
 * The hash of any byte string: hashShort for up to SHORT_PIECE bytes, else 8 bytes at a time.
 * Reads up to 15 bytes past the slice, which every buffer keeps (SLACK).
 */
@inline export function hashBytes(p: usize, len: usize): u32 {
  if (len <= SHORT_PIECE) return hashShort(shortWord0(p, len), shortWord1(p, len), len);
  let h: u64 = <u64>len * K0;
  while (len >= 8) {
    h = (h ^ load<u64>(p)) * K1;
    h ^= h >> 31;
    p += 8;
    len -= 8;
  }
  if (len > 0) {
    const tail = load<u64>(p) & ((<u64>1 << (<u64>len << 3)) - 1);
    h = (h ^ tail) * K1;
  }
  h ^= h >> 29;
  h *= K0;
  return <u32>(h >> 32);
}
