// A parsed pattern (regex-syntax.ts) compiled into the program the pii module's Pike VM runs
// (policy-wasm/pii/assembly/regex-vm.ts): Thompson's construction over bytes. The VM keeps one
// thread per instruction at most, so a match costs O(text length x program length) whatever the
// pattern: no backtracking, no catastrophic cases. The format (little-endian i32 words):
//   n (instructions), k (classes), first-byte set (8 words: bytes a match can start with),
//   n instructions of 3 words (op, a, b), k classes of 8 words (256-bit byte sets).
import { hasByte, newSet, nullable, type AssertKind, type ByteSet, type RegexNode } from "./regex-syntax.js";

// Opcodes (the module's regex-vm.ts has the same numbers).
export const OP = { match: 0, byte: 1, class: 2, split: 3, jump: 4, assert: 5 } as const;
const ASSERT_CODE: Record<AssertKind, number> = { word_boundary: 0, not_word_boundary: 1, text_start: 2, text_end: 3 };

/** Instructions per program at most (a {n,m} repeats its item: `\d{1000}` is 1001). */
export const MAX_INSTRUCTIONS = 2000;
/** Distinct byte classes per program at most. */
const MAX_CLASSES = 256;

export class RegexTooLargeError extends Error {
  override readonly name = "RegexTooLargeError";
}

export interface RegexProgram {
  /** op, a, b per instruction. */
  code: number[];
  classes: ByteSet[];
  first: ByteSet;
  /** The encoded program (the module's format above). */
  bytes: Uint8Array;
}

/** Bytes a match of `node` can start with (when the node is not nullable, a match starts with one). */
function firstBytes(node: RegexNode, into: ByteSet): void {
  switch (node.kind) {
    case "set": for (let w = 0; w < 8; w++) into[w]! |= node.set[w]!; return;
    case "assert": return;
    case "seq":
      for (const item of node.items) {
        firstBytes(item, into);
        if (!nullable(item)) return;
      }
      return;
    case "alt": for (const o of node.options) firstBytes(o, into); return;
    case "repeat": if (node.max !== 0) firstBytes(node.item, into); return;
  }
}

const singleByte = (s: ByteSet): number => {
  let found = -1;
  for (let b = 0; b < 256; b++) {
    if (!hasByte(s, b)) continue;
    if (found >= 0) return -1;
    found = b;
  }
  return found;
};

class Emitter {
  readonly code: number[] = [];
  readonly classes: ByteSet[] = [];
  private readonly classIndex = new Map<string, number>();

  get pc(): number { return this.code.length / 3; }

  emit(op: number, a = 0, b = 0): number {
    const at = this.pc;
    if (at >= MAX_INSTRUCTIONS) throw new RegexTooLargeError(`the compiled pattern exceeds ${MAX_INSTRUCTIONS} instructions (lower the repetition counts)`);
    this.code.push(op, a, b);
    return at;
  }
  patch(at: number, a: number, b?: number): void {
    this.code[at * 3 + 1] = a;
    if (b !== undefined) this.code[at * 3 + 2] = b;
  }

  node(n: RegexNode): void {
    switch (n.kind) {
      case "set": {
        const only = singleByte(n.set);
        if (only >= 0) { this.emit(OP.byte, only); return; }
        const key = Array.from(n.set).join(",");
        let index = this.classIndex.get(key);
        if (index === undefined) {
          if (this.classes.length >= MAX_CLASSES) throw new RegexTooLargeError(`the pattern has more than ${MAX_CLASSES} distinct classes`);
          index = this.classes.length;
          this.classes.push(n.set);
          this.classIndex.set(key, index);
        }
        this.emit(OP.class, index);
        return;
      }
      case "assert": this.emit(OP.assert, ASSERT_CODE[n.what]); return;
      case "seq": for (const item of n.items) this.node(item); return;
      case "alt": {
        // split L1, next; L1: option; jump end; next: split L2, ... ; last option; end:
        const jumps: number[] = [];
        n.options.forEach((option, k) => {
          if (k === n.options.length - 1) { this.node(option); return; }
          const split = this.emit(OP.split);
          this.patch(split, this.pc);
          this.node(option);
          jumps.push(this.emit(OP.jump));
          this.patch(split, this.code[split * 3 + 1]!, this.pc);
        });
        for (const j of jumps) this.patch(j, this.pc);
        return;
      }
      case "repeat": this.repeat(n.item, n.min, n.max, n.lazy); return;
    }
  }

  /** A split preferring `first` (greedy) or `second` (lazy) as the VM tries them in order. */
  private split(lazy: boolean, stay: number, leave: number): number {
    return lazy ? this.emit(OP.split, leave, stay) : this.emit(OP.split, stay, leave);
  }

  private repeat(item: RegexNode, min: number, max: number, lazy: boolean): void {
    for (let k = 0; k < min; k++) this.node(item);
    if (max === -1) {
      // loop: split body, out; body: item; jump loop
      const loop = this.split(lazy, 0, 0);
      const body = this.pc;
      this.node(item);
      this.emit(OP.jump, loop);
      this.setSplit(loop, lazy, body, this.pc);
      return;
    }
    // (item(item(...)?)?)? with every split leaving to the same end
    const splits: number[] = [];
    for (let k = min; k < max; k++) {
      const s = this.split(lazy, 0, 0);
      splits.push(s);
      this.node(item);
    }
    const end = this.pc;
    for (const s of splits) this.setSplit(s, lazy, s + 1, end);
  }

  private setSplit(at: number, lazy: boolean, stay: number, leave: number): void {
    if (lazy) this.patch(at, leave, stay);
    else this.patch(at, stay, leave);
  }
}

/** Compiles a pattern tree (refused by the caller when nullable); throws RegexTooLargeError. */
export function compileRegex(root: RegexNode): RegexProgram {
  const e = new Emitter();
  e.node(root);
  e.emit(OP.match);
  const first = newSet();
  firstBytes(root, first);
  const n = e.pc, k = e.classes.length;
  const words = new Int32Array(2 + 8 + n * 3 + k * 8);
  words[0] = n;
  words[1] = k;
  words.set(first, 2);
  words.set(e.code, 10);
  e.classes.forEach((c, i) => words.set(c, 10 + n * 3 + i * 8));
  const bytes = new Uint8Array(words.byteLength);
  const view = new DataView(bytes.buffer);
  for (let w = 0; w < words.length; w++) view.setInt32(w * 4, words[w]!, true);
  return { code: e.code, classes: e.classes, first, bytes };
}

/** At most this many bytes of a required literal are sent (enough to make a text search rare). */
const MAX_LITERAL = 16;

/** The set as 1 or 2 bytes when it is a byte or a letter in both cases, else null. */
function literalByte(set: ByteSet): [number, number] | null {
  const bytes: number[] = [];
  for (let b = 0; b < 256 && bytes.length <= 2; b++) if (hasByte(set, b)) bytes.push(b);
  if (bytes.length === 1) return [bytes[0]!, bytes[0]!];
  if (bytes.length === 2 && bytes[1]! - bytes[0]! === 32 && bytes[0]! >= 65 && bytes[0]! <= 90) return [bytes[0]!, bytes[1]!];
  return null;
}

/** Runs of literal bytes every match of `node` contains, each run contiguous in the match. */
function literalRuns(node: RegexNode): Array<Array<[number, number]>> {
  switch (node.kind) {
    case "set": { const l = literalByte(node.set); return l ? [[l]] : []; }
    case "assert": return [[]]; // zero-width: does not break a run
    case "alt": return [];
    case "repeat": {
      if (node.min === 0) return [];
      const inner = literalRuns(node.item);
      // one copy's runs; a single literal repeated exactly is a run of its copies
      if (node.item.kind === "set" && inner.length === 1 && node.min === node.max) return [Array<[number, number]>(node.min).fill(inner[0]![0]!)];
      return inner;
    }
    case "seq": {
      const runs: Array<Array<[number, number]>> = [];
      let current: Array<[number, number]> = [];
      for (const item of node.items) {
        const inner = literalRuns(item);
        const whole = item.kind === "assert" || (item.kind === "set" && inner.length === 1) ||
          (item.kind === "repeat" && item.item.kind === "set" && item.min === item.max && inner.length === 1);
        if (whole) { current.push(...inner[0]!); continue; }
        // a part that is not one literal: its runs stand alone; the run before it ends, and
        // its last run may continue into what follows only if it ends the part (not tracked)
        runs.push(current, ...inner);
        current = [];
      }
      runs.push(current);
      return runs;
    }
  }
}

/** The longest literal every match contains (2 bytes per position), or empty when under 3. */
export function requiredLiteral(root: RegexNode): Uint8Array {
  const best = literalRuns(root).reduce<Array<[number, number]>>((a, b) => (b.length > a.length ? b : a), []);
  if (best.length < 3) return new Uint8Array(0);
  return Uint8Array.from(best.slice(0, MAX_LITERAL).flat());
}
