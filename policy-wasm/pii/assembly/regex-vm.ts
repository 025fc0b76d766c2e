// The regex VM of custom recognizers: a Pike VM over the bytes of the current text (text.ts),
// running programs compiled by the host (src/policy/pii/custom/regex-program.ts, same opcodes).
// Every thread is one program counter and the start of its match; a list holds each counter at
// most once (the first, highest-priority thread to reach it), so a text costs at most
// (length x instructions) steps whatever the pattern: no backtracking, no catastrophic input.
// Matches are JavaScript's `exec` with the `g` flag: the leftmost start, then the first match by
// the pattern's priorities (greedy / lazy), the next search from the end of the last match.
import { T, N, ch, isWord } from "./text";

const OP_MATCH: i32 = 0;
const OP_BYTE: i32 = 1;
const OP_CLASS: i32 = 2;
const OP_SPLIT: i32 = 3;
const OP_JUMP: i32 = 4;
const OP_ASSERT: i32 = 5;
const ASSERT_WORD_BOUNDARY: i32 = 0;
const ASSERT_NOT_WORD_BOUNDARY: i32 = 1;
const ASSERT_TEXT_START: i32 = 2;
const ASSERT_TEXT_END: i32 = 3;
/** Instructions per program at most (the host refuses more: regex-program.ts MAX_INSTRUCTIONS). */
const MAX_INSTRUCTIONS: i32 = 2000;
const MAX_CLASSES: i32 = 256;

/** Bytes of a match checked before a thread is started (the prefilter's depth). */
const FILTER_DEPTH: i32 = 4;

/** A compiled pattern: instructions (op, a, b), its classes as 256-byte tables, and the
 *  prefilter computed from them at load (see prefilter below). */
export class RegexProgram {
  /** Byte sets of the first `depth` bytes of any match: level k at k * 256 (1 = possible). */
  readonly levels: StaticArray<u8> = new StaticArray<u8>(FILTER_DEPTH * 256);
  /** How many levels hold (a match is at least this long, capped at FILTER_DEPTH). */
  depth: i32 = 0;
  /** The first two bytes a match can start with, as bits ((b0 << 8) | b1): sharper than levels
   *  0 and 1 apart (a deny list's words each have their own second letter). Used when depth >= 2. */
  readonly pairs: StaticArray<u32> = new StaticArray<u32>(2048);
  /** Every match starts at a word boundary (the pattern starts with \b on every path). */
  boundary: bool = false;
  /** Nibble tables of level 0 for the SIMD skip (a superset of it: "shufti"). */
  readonly lowNibbles: StaticArray<u8> = new StaticArray<u8>(16);
  readonly highNibbles: StaticArray<u8> = new StaticArray<u8>(16);
  constructor(
    readonly code: StaticArray<i32>,
    /** Class k's byte b is 1 at k * 256 + b. */
    readonly classes: StaticArray<u8>,
    readonly length: i32,
  ) {}
}

/** Whether the consuming instruction at pc takes byte b. */
@inline function takes(prog: RegexProgram, pc: i32, b: i32): bool {
  const op = unchecked(prog.code[pc * 3]), a = unchecked(prog.code[pc * 3 + 1]);
  return op == OP_BYTE ? a == b : unchecked(prog.classes[(a << 8) + b]) != 0;
}

/** Adds to `into` (flags per pc) the consuming and match instructions reachable from pc
 *  without reading a byte, assertions taken as passed (so the sets below are supersets). */
function closure(prog: RegexProgram, pc0: i32, into: StaticArray<u8>, work: StaticArray<i32>, seen: StaticArray<u8>): void {
  let sp = 0;
  work[sp++] = pc0;
  while (sp > 0) {
    const pc = work[--sp];
    if (seen[pc]) continue;
    seen[pc] = 1;
    const op = prog.code[pc * 3];
    if (op == OP_JUMP) work[sp++] = prog.code[pc * 3 + 1];
    else if (op == OP_SPLIT) { work[sp++] = prog.code[pc * 3 + 2]; work[sp++] = prog.code[pc * 3 + 1]; }
    else if (op == OP_ASSERT) work[sp++] = pc + 1;
    else into[pc] = 1;
  }
}

/** Whether every path from pc meets a \b before it reads a byte. */
function startsAtBoundary(prog: RegexProgram, pc: i32, depth: i32): bool {
  if (depth > 64) return false;
  const op = prog.code[pc * 3], a = prog.code[pc * 3 + 1];
  if (op == OP_ASSERT) return a == ASSERT_WORD_BOUNDARY || startsAtBoundary(prog, pc + 1, depth + 1);
  if (op == OP_JUMP) return startsAtBoundary(prog, a, depth + 1);
  if (op == OP_SPLIT) return startsAtBoundary(prog, a, depth + 1) && startsAtBoundary(prog, prog.code[pc * 3 + 2], depth + 1);
  return false;
}

/** The prefilter: for k < depth, the bytes that can be the k-th byte of a match (the NFA run on
 *  "any byte" from the start, level by level, until a level can match). A start position whose
 *  next bytes fall outside these sets cannot start a match: no thread is started there. */
function prefilter(prog: RegexProgram): void {
  const n = prog.length;
  let level = new StaticArray<u8>(n), next = new StaticArray<u8>(n);
  const work = new StaticArray<i32>(2 * n + 2), seen = new StaticArray<u8>(n);
  closure(prog, 0, level, work, seen);
  let depth = 0;
  const first = new StaticArray<u8>(n); // level 0's instructions, for the pairs
  const follow = new StaticArray<u8>(n), seen2 = new StaticArray<u8>(n), work2 = new StaticArray<i32>(2 * n + 2);
  while (depth < FILTER_DEPTH) {
    let canMatch = false;
    for (let pc = 0; pc < n; pc++) if (level[pc] && prog.code[pc * 3] == OP_MATCH) canMatch = true;
    if (canMatch) break;
    for (let b = 0; b < 256; b++) {
      let any: u8 = 0;
      for (let pc = 0; pc < n; pc++) if (level[pc] && takes(prog, pc, b)) { any = 1; break; }
      prog.levels[depth * 256 + b] = any;
    }
    if (depth == 0) for (let pc = 0; pc < n; pc++) first[pc] = level[pc];
    depth++;
    for (let pc = 0; pc < n; pc++) { next[pc] = 0; seen[pc] = 0; }
    for (let pc = 0; pc < n; pc++) if (level[pc]) closure(prog, pc + 1, next, work, seen);
    const t = level; level = next; next = t;
  }
  prog.depth = depth;
  prog.boundary = startsAtBoundary(prog, 0, 0);
  if (depth >= 2) {
    // for each first instruction: the bytes it takes x the bytes that can follow it
    for (let pc = 0; pc < n; pc++) {
      if (!first[pc]) continue;
      for (let q = 0; q < n; q++) { follow[q] = 0; seen2[q] = 0; }
      closure(prog, pc + 1, follow, work2, seen2);
      for (let y = 0; y < 256; y++) {
        let takesY = false;
        for (let q = 0; q < n; q++) if (follow[q] && prog.code[q * 3] != OP_MATCH && takes(prog, q, y)) { takesY = true; break; }
        if (!takesY) continue;
        for (let x = 0; x < 256; x++) {
          if (!takes(prog, pc, x)) continue;
          const bit = (x << 8) | y;
          prog.pairs[bit >> 5] |= <u32>1 << <u32>(bit & 31);
        }
      }
    }
  }
  // shufti tables: byte b is a candidate when low[b & 15] & high[b >> 4] != 0; high nibbles 7-15
  // share a bucket (a superset for DEL and non-ASCII bytes, checked again by the levels)
  for (let b = 0; b < 256; b++) {
    if (depth > 0 && prog.levels[b] == 0) continue;
    const hiNibble = b >> 4;
    const shift: i32 = hiNibble < 7 ? hiNibble : 7;
    const bucket = <u8>(<i32>1 << shift);
    prog.lowNibbles[b & 15] |= bucket;
    prog.highNibbles[b >> 4] |= bucket;
  }
}

/** Decodes a program (the host's format) at p[0..len); null when it is malformed. The header's
 *  first-byte set is not trusted: the prefilter is computed here from the instructions. */
export function loadProgram(p: usize, len: i32): RegexProgram | null {
  if (len < 40 || (len & 3) != 0) return null;
  const n = load<i32>(p), k = load<i32>(p + 4);
  if (n <= 0 || n > MAX_INSTRUCTIONS || k < 0 || k > MAX_CLASSES || len != (10 + n * 3 + k * 8) << 2) return null;
  const code = new StaticArray<i32>(n * 3);
  const at = p + 40;
  for (let i = 0; i < n * 3; i++) unchecked(code[i] = load<i32>(at + <usize>(i << 2)));
  // every jump target inside the program, every class index defined: the VM then needs no checks
  for (let pc = 0; pc < n; pc++) {
    const op = unchecked(code[pc * 3]), a = unchecked(code[pc * 3 + 1]), b = unchecked(code[pc * 3 + 2]);
    if (op == OP_SPLIT) { if (<u32>a >= <u32>n || <u32>b >= <u32>n) return null; }
    else if (op == OP_JUMP) { if (<u32>a >= <u32>n) return null; }
    else if (op == OP_CLASS) { if (<u32>a >= <u32>k) return null; }
    else if (op == OP_BYTE) { if (<u32>a > 255) return null; }
    else if (op == OP_ASSERT) { if (<u32>a > 3) return null; }
    else if (op != OP_MATCH) return null;
    if (op != OP_MATCH && op != OP_JUMP && op != OP_SPLIT && pc == n - 1) return null; // falls off the end
  }
  const classes = new StaticArray<u8>(k * 256);
  const at2 = at + <usize>(n * 3 * 4);
  for (let c = 0; c < k; c++) {
    for (let b = 0; b < 256; b++) {
      const word = load<u32>(at2 + <usize>(c * 32 + ((b >> 5) << 2)));
      unchecked(classes[c * 256 + b] = <u8>((word >>> <u32>(b & 31)) & 1));
    }
  }
  const prog = new RegexProgram(code, classes, n);
  prefilter(prog);
  return prog;
}

/** Whether a match of `prog` can start at p (boundary, then the prefilter's levels). */
@inline function mayStartAt(prog: RegexProgram, p: i32): bool {
  if (prog.boundary && isWord(ch(p - 1)) == isWord(ch(p))) return false;
  const depth = prog.depth;
  if (p + depth > N) return false;
  if (depth < 2) return true;
  const pair = (<i32>load<u8>(T + <usize>p) << 8) | <i32>load<u8>(T + <usize>(p + 1));
  if ((unchecked(prog.pairs[pair >> 5]) & (<u32>1 << <u32>(pair & 31))) == 0) return false;
  const levels = prog.levels;
  for (let k = 2; k < depth; k++) if (unchecked(levels[(k << 8) + <i32>load<u8>(T + <usize>(p + k))]) == 0) return false;
  return true;
}

/** Word bytes (text.ts isWord) of 16 bytes: letters, digits, `_`, bytes >= 0x80. */
@inline function wordBytes(x: v128): v128 {
  const letter = i8x16.lt_u(i8x16.sub(v128.or(x, i8x16.splat(0x20)), i8x16.splat(0x61)), i8x16.splat(26));
  const digit = i8x16.lt_u(i8x16.sub(x, i8x16.splat(0x30)), i8x16.splat(10));
  return v128.or(v128.or(letter, digit), v128.or(i8x16.eq(x, i8x16.splat(0x5f)), i8x16.lt_s(x, i8x16.splat(0))));
}

/** The first position from p where a match of `prog` may start, or N. 16 bytes at a time:
 *  a byte is a candidate when its nibbles' buckets meet (shufti) and, for a pattern starting
 *  with \b, it is at a word boundary; then level 0 and mayStartAt decide. */
function nextStart(prog: RegexProgram, p: i32): i32 {
  const levels = prog.levels;
  if (prog.depth == 0) return p < N ? p : N;
  if (p == 0 && N > 0) {
    if (unchecked(levels[<i32>load<u8>(T)]) != 0 && mayStartAt(prog, 0)) return 0;
    p = 1;
  }
  const lowT = v128.load(changetype<usize>(prog.lowNibbles)), highT = v128.load(changetype<usize>(prog.highNibbles));
  const nibble = i8x16.splat(0x0f), zero = i8x16.splat(0);
  const boundary = prog.boundary;
  while (p + 16 <= N) {
    const x = v128.load(T + <usize>p);
    const hit = v128.and(i8x16.swizzle(lowT, v128.and(x, nibble)), i8x16.swizzle(highT, i8x16.shr_u(x, 4)));
    let bits = i8x16.bitmask(i8x16.ne(hit, zero));
    if (bits != 0 && boundary) bits &= i8x16.bitmask(v128.xor(wordBytes(x), wordBytes(v128.load(T + <usize>(p - 1)))));
    while (bits != 0) {
      const q = p + <i32>ctz(bits);
      if (unchecked(levels[<i32>load<u8>(T + <usize>q)]) != 0 && mayStartAt(prog, q)) return q;
      bits &= bits - 1;
    }
    p += 16;
  }
  for (; p < N; p++) if (unchecked(levels[<i32>load<u8>(T + <usize>p)]) != 0 && mayStartAt(prog, p)) return p;
  return N;
}

// Thread lists (program counter, match start), the closure stack, and the marks that keep a
// counter on a list once. Sized for the largest program loaded (ensureCapacity).
let capacity: i32 = 0;
let clistPc = new StaticArray<i32>(0);
let clistStart = new StaticArray<i32>(0);
let nlistPc = new StaticArray<i32>(0);
let nlistStart = new StaticArray<i32>(0);
let stack = new StaticArray<i32>(0);
let marks = new StaticArray<i32>(0);
let generation: i32 = 0;
let ccount: i32 = 0;
let ncount: i32 = 0;

export function ensureCapacity(n: i32): void {
  if (n <= capacity) return;
  capacity = n;
  clistPc = new StaticArray<i32>(n); clistStart = new StaticArray<i32>(n);
  nlistPc = new StaticArray<i32>(n); nlistStart = new StaticArray<i32>(n);
  stack = new StaticArray<i32>(2 * n + 2);
  marks = new StaticArray<i32>(n);
  generation = 0;
}

@inline function holds(kind: i32, at: i32): bool {
  if (kind == ASSERT_WORD_BOUNDARY) return isWord(ch(at - 1)) != isWord(ch(at));
  if (kind == ASSERT_NOT_WORD_BOUNDARY) return isWord(ch(at - 1)) == isWord(ch(at));
  if (kind == ASSERT_TEXT_START) return at == 0;
  return at == N;
}

/** Adds the thread (pc, start) at text position `at` to the list being built (`toNext`: the
 *  next list, else the current one), following jumps, splits (first branch first) and
 *  assertions; counters already on the list (marked with this generation) are not added again. */
function addThread(prog: RegexProgram, toNext: bool, pc0: i32, start: i32, at: i32): void {
  const code = prog.code;
  const op0 = unchecked(code[pc0 * 3]);
  if (op0 == OP_BYTE || op0 == OP_CLASS || op0 == OP_MATCH) {
    // the usual step, one consuming instruction to the next: no closure to follow
    if (unchecked(marks[pc0]) == generation) return;
    unchecked(marks[pc0] = generation);
    if (toNext) { unchecked(nlistPc[ncount] = pc0); unchecked(nlistStart[ncount] = start); ncount++; }
    else { unchecked(clistPc[ccount] = pc0); unchecked(clistStart[ccount] = start); ccount++; }
    return;
  }
  let sp = 0;
  unchecked(stack[sp++] = pc0);
  while (sp > 0) {
    const pc = unchecked(stack[--sp]);
    if (unchecked(marks[pc]) == generation) continue;
    unchecked(marks[pc] = generation);
    const op = unchecked(code[pc * 3]);
    if (op == OP_JUMP) unchecked(stack[sp++] = code[pc * 3 + 1]);
    else if (op == OP_SPLIT) {
      unchecked(stack[sp++] = code[pc * 3 + 2]);
      unchecked(stack[sp++] = code[pc * 3 + 1]);
    } else if (op == OP_ASSERT) {
      if (holds(unchecked(code[pc * 3 + 1]), at)) unchecked(stack[sp++] = pc + 1);
    } else if (toNext) {
      unchecked(nlistPc[ncount] = pc); unchecked(nlistStart[ncount] = start); ncount++;
    } else {
      unchecked(clistPc[ccount] = pc); unchecked(clistStart[ccount] = start); ccount++;
    }
  }
}

/** The last match found by findMatch: [matchStart, matchEnd). */
export let matchStart: i32 = 0;
export let matchEnd: i32 = 0;

/** Finds the first match starting at or after `from`; false when there is none. */
export function findMatch(prog: RegexProgram, from: i32): bool {
  const code = prog.code, classes = prog.classes;
  let matched = false;
  ccount = 0;
  if (generation > 0x40000000) { // long before the counter could wrap onto an old mark
    for (let i = 0; i < capacity; i++) unchecked(marks[i] = 0);
    generation = 0;
  }
  generation++;
  let p = from;
  while (true) {
    if (!matched) {
      if (ccount == 0) {
        // no thread alive: skip to the next place a match can start
        p = nextStart(prog, p);
        if (p >= N) break;
        generation++; // marks of a list built at another position say nothing here
      }
      addThread(prog, false, 0, p, p);
      if (ccount == 0) { p++; continue; } // an assertion failed here: try the next start
    }
    if (ccount == 0) break;
    const c = p < N ? <i32>load<u8>(T + <usize>p) : -1;
    generation++;
    ncount = 0;
    for (let t = 0; t < ccount; t++) {
      const pc = unchecked(clistPc[t]);
      const op = unchecked(code[pc * 3]);
      if (op == OP_MATCH) {
        // the best match so far; threads after this one have lower priority: dropped
        matched = true;
        matchStart = unchecked(clistStart[t]);
        matchEnd = p;
        break;
      }
      if (c < 0) continue;
      const a = unchecked(code[pc * 3 + 1]);
      if (op == OP_BYTE ? c == a : unchecked(classes[(a << 8) + c]) != 0) addThread(prog, true, pc + 1, unchecked(clistStart[t]), p + 1);
    }
    // the next list becomes the current one
    const tp = clistPc; clistPc = nlistPc; nlistPc = tp;
    const ts = clistStart; clistStart = nlistStart; nlistStart = ts;
    ccount = ncount;
    if (p >= N) break;
    p++;
  }
  return matched;
}
