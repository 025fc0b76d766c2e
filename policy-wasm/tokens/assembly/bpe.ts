// Byte-pair merging of one pre-tokenised piece, with exactly tiktoken's merge order: repeatedly
// merge the adjacent pair whose concatenation has the lowest rank, the leftmost one on ties.
// Short pieces use tiktoken's own O(n^2) scan over a parts array (fast for small n); long
// pieces use a heap keyed by (rank, start), which picks the very same pair each step in
// O(log n), so pathological pieces (100 KB of one letter) stay near-linear.
import { reserveScratch } from "./buffers";
import { hashBytes, hashShort, shortWord0, shortWord1, SHORT_PIECE } from "./hash";
import { rankOf, rankOfHashed, rankOfByte, rankOfPair, NO_RANK } from "./ranks";
import { cacheLookup, cacheLookupShort, cacheStore, cacheStoreToken, cachedCount, cachedId, CACHE_KEY_MAX } from "./piece_cache";
import { writeVarint } from "../../sdk/wire";

/** Pieces longer than this (bytes) go through the heap. */
const HEAP_THRESHOLD: usize = 96;
const DEAD: u32 = 0xffffffff;

// The sink: counts tokens, and when `emitting` also appends each id as a protobuf varint to the
// output buffer (the packed `ids` of a TokenIds message, see request.ts).
let emitting = false;
let tally: u32 = 0;

export function beginText(emitIds: bool): void {
  emitting = emitIds;
  tally = 0;
}
export function tokensSoFar(): u32 { return tally; }

@inline function emit(rank: u32): void {
  if (emitting) writeVarint(rank);
  tally++;
}

/**
 * Tokenises the piece [p, p + len) into the sink. Inlined into the per-piece loop: only the
 * cache hit runs here (most pieces); everything else is a call. Calls are not free in this
 * loop: removing one per piece measurably speeds up a 2 KB request.
 */
@inline export function encodePiece(p: usize, len: usize): void {
  if (len <= SHORT_PIECE) {
    // Most pieces are short and repeated (words, punctuation): the cache answers them, whole
    // tokens included, with no branch on the length and without touching the rank table
    // (see piece_cache.ts).
    const w0 = shortWord0(p, len);
    const w1 = shortWord1(p, len);
    const h = hashShort(w0, w1, len);
    const entry = cacheLookupShort(w0, w1, len, h);
    if (entry != 0) emitCached(entry);
    else encodeMiss(p, len, h);
  } else encodeLong(p, len);
}

/** A piece longer than SHORT_PIECE bytes. */
function encodeLong(p: usize, len: usize): void {
  if (len <= CACHE_KEY_MAX) {
    const h = hashBytes(p, len);
    const entry = cacheLookup(p, len, h);
    if (entry != 0) emitCached(entry);
    else encodeMiss(p, len, h);
    return;
  }
  const whole = rankOf(p, len);
  if (whole != NO_RANK) {
    emit(whole);
    return;
  }
  if (len <= HEAP_THRESHOLD) mergeByScan(p, len, false);
  else mergeByHeap(p, len);
}

/** A piece of at most CACHE_KEY_MAX bytes that is not cached yet: encode it, then cache it. */
function encodeMiss(p: usize, len: usize, h: u32): void {
  let whole: u32;
  if (len == 1) whole = rankOfByte(<u32>load<u8>(p));
  else if (len == 2) {
    // Two bytes are either one token (the pair table has it) or one token per byte.
    whole = rankOfPair(p);
    if (whole == NO_RANK) {
      const ids = reserveScratch(8);
      store<u32>(ids, rankOfByte(<u32>load<u8>(p)));
      store<u32>(ids + 4, rankOfByte(<u32>load<u8>(p + 1)));
      emit(load<u32>(ids));
      emit(load<u32>(ids + 4));
      cacheStore(p, len, h, ids, 2);
      return;
    }
  } else whole = rankOfHashed(p, len, h);
  if (whole != NO_RANK) {
    emit(whole);
    cacheStoreToken(p, len, h, whole);
    return;
  }
  const ids = mergeByScan(p, len, true);
  cacheStore(p, len, h, ids, mergedCount);
}

@inline function emitCached(entry: usize): void {
  const n = cachedCount(entry);
  if (emitting) {
    for (let k: usize = 0; k < <usize>n; k++) writeVarint(cachedId(entry, k));
  }
  tally += n;
}

/** Tokens produced by the last mergeByScan. */
let mergedCount: usize = 0;

// parts[k] = (start offset, rank of the pair starting there); as in tiktoken, the rank of
// part k after a merge spans parts k .. k+3 because part k+1 is removed afterwards.
// Returns the address of the merged ids (u32 each, mergedCount of them) when `wantIds`, else 0.
function mergeByScan(p: usize, len: usize, wantIds: bool): usize {
  const count0 = len + 1;
  const starts = reserveScratch(count0 << 3);
  const ranks = starts + (count0 << 2);
  for (let i: usize = 0; i + 1 < len; i++) {
    store<u32>(starts + (i << 2), <u32>i);
    store<u32>(ranks + (i << 2), rankOfPair(p + i));
  }
  store<u32>(starts + ((len - 1) << 2), <u32>(len - 1));
  store<u32>(ranks + ((len - 1) << 2), NO_RANK);
  store<u32>(starts + (len << 2), <u32>len);
  store<u32>(ranks + (len << 2), NO_RANK);
  let count = count0;
  while (true) {
    let minRank = NO_RANK;
    let at: usize = 0;
    for (let k: usize = 0; k + 1 < count; k++) {
      const r = load<u32>(ranks + (k << 2));
      if (r < minRank) {
        minRank = r;
        at = k;
      }
    }
    if (minRank == NO_RANK) break;
    if (at > 0) store<u32>(ranks + ((at - 1) << 2), pairRank(p, starts, at - 1, count));
    store<u32>(ranks + (at << 2), pairRank(p, starts, at, count));
    const tail = (count - at - 2) << 2;
    memory.copy(starts + ((at + 1) << 2), starts + ((at + 2) << 2), tail);
    memory.copy(ranks + ((at + 1) << 2), ranks + ((at + 2) << 2), tail);
    count--;
  }
  mergedCount = count - 1;
  if (!emitting && !wantIds) {
    tally += <u32>mergedCount;
    return 0;
  }
  // The ranks array is free now: it receives the ids.
  for (let k: usize = 0; k < mergedCount; k++) {
    const s = load<u32>(starts + (k << 2));
    const e = load<u32>(starts + ((k + 1) << 2));
    const id = rankOf(p + <usize>s, <usize>(e - s));
    store<u32>(ranks + (k << 2), id);
    emit(id);
  }
  return ranks;
}

@inline function pairRank(p: usize, starts: usize, k: usize, count: usize): u32 {
  if (k + 3 >= count) return NO_RANK;
  const s = load<u32>(starts + (k << 2));
  const e = load<u32>(starts + ((k + 3) << 2));
  return rankOf(p + <usize>s, <usize>(e - s));
}

// Heap merge. Parts are linked-list nodes named by their start offset; `rankAt[s]` is the rank
// of merging part s with its successor. Heap entries are (rank << 32 | start): the u64 order is
// rank first, then leftmost start, the same choice as the scan. A popped entry whose rank no
// longer matches its part is stale (a part's pair only grows, so its rank never repeats).
function mergeByHeap(p: usize, len: usize): void {
  const n = len;
  const nextAt = reserveScratch((n + 1) * 12 + n * 3 * 8);
  const prevAt = nextAt + ((n + 1) << 2);
  const rankAt = prevAt + ((n + 1) << 2);
  const heap = rankAt + ((n + 1) << 2);
  let size: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    store<u32>(nextAt + (i << 2), <u32>(i + 1));
    store<u32>(prevAt + (i << 2), <u32>(i - 1)); // DEAD for the first part
    const r = i + 1 < n ? rankOfPair(p + i) : NO_RANK;
    store<u32>(rankAt + (i << 2), r);
    if (r != NO_RANK) size = heapPush(heap, size, (<u64>r << 32) | <u64>i);
  }
  while (size > 0) {
    const top = load<u64>(heap);
    size = heapPop(heap, size);
    const s = <usize>(<u32>top);
    const r = <u32>(top >> 32);
    if (load<u32>(nextAt + (s << 2)) == DEAD || load<u32>(rankAt + (s << 2)) != r) continue;
    const t = <usize>load<u32>(nextAt + (s << 2));
    const u = <usize>load<u32>(nextAt + (t << 2));
    store<u32>(nextAt + (t << 2), DEAD);
    store<u32>(nextAt + (s << 2), <u32>u);
    if (u < n) store<u32>(prevAt + (u << 2), <u32>s);
    // s now ends at u: its pair with u spans [s, end of u).
    const rs = u < n ? rankOf(p + s, <usize>load<u32>(nextAt + (u << 2)) - s) : NO_RANK;
    store<u32>(rankAt + (s << 2), rs);
    if (rs != NO_RANK) size = heapPush(heap, size, (<u64>rs << 32) | <u64>s);
    const q = load<u32>(prevAt + (s << 2));
    if (q != DEAD) {
      const qs = <usize>q;
      const rq = rankOf(p + qs, u - qs);
      store<u32>(rankAt + (qs << 2), rq);
      if (rq != NO_RANK) size = heapPush(heap, size, (<u64>rq << 32) | <u64>qs);
    }
  }
  let s: usize = 0;
  while (s < n) {
    const e = <usize>load<u32>(nextAt + (s << 2));
    if (emitting) emit(rankOf(p + s, e - s));
    else tally++;
    s = e;
  }
}

@inline function heapPush(heap: usize, size: usize, value: u64): usize {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pv = load<u64>(heap + (parent << 3));
    if (pv <= value) break;
    store<u64>(heap + (i << 3), pv);
    i = parent;
  }
  store<u64>(heap + (i << 3), value);
  return size + 1;
}

/** Removes the minimum (heap[0]); returns the new size. */
function heapPop(heap: usize, size: usize): usize {
  const last = size - 1;
  const value = load<u64>(heap + (last << 3));
  let i: usize = 0;
  while (true) {
    let child = (i << 1) + 1;
    if (child >= last) break;
    const right = child + 1;
    if (right < last && load<u64>(heap + (right << 3)) < load<u64>(heap + (child << 3))) child = right;
    const cv = load<u64>(heap + (child << 3));
    if (cv >= value) break;
    store<u64>(heap + (i << 3), cv);
    i = child;
  }
  store<u64>(heap + (i << 3), value);
  return last;
}
