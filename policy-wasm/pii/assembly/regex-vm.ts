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

/** A compiled pattern: instructions (op, a, b), its classes as 256-byte tables, the first bytes. */
export class RegexProgram {
  constructor(
    readonly code: StaticArray<i32>,
    /** Class k's byte b is 1 at k * 256 + b. */
    readonly classes: StaticArray<u8>,
    /** 1 for the bytes a match can start with. */
    readonly first: StaticArray<u8>,
    readonly length: i32,
  ) {}
}

/** Decodes a program (the host's format) at p[0..len); null when it is malformed. */
export function loadProgram(p: usize, len: i32): RegexProgram | null {
  if (len < 40 || (len & 3) != 0) return null;
  const n = load<i32>(p), k = load<i32>(p + 4);
  if (n <= 0 || n > MAX_INSTRUCTIONS || k < 0 || k > MAX_CLASSES || len != (10 + n * 3 + k * 8) << 2) return null;
  const first = new StaticArray<u8>(256);
  for (let b = 0; b < 256; b++) unchecked(first[b] = <u8>((load<u32>(p + 8 + <usize>((b >> 5) << 2)) >>> <u32>(b & 31)) & 1));
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
  return new RegexProgram(code, classes, first, n);
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
  const code = prog.code, classes = prog.classes, first = prog.first;
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
        // no thread alive: skip to the next byte a match can start with
        while (p < N && unchecked(first[<i32>load<u8>(T + <usize>p)]) == 0) p++;
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
