// The regex subset of custom PII recognizers, parsed into a small tree (regex-program.ts compiles
// it for the module's VM). The subset is what a linear-time matcher (Pike VM) can run, with
// JavaScript's meaning for every construct it accepts:
//   literals (UTF-8; escaped punctuation \. \- \\ ...), \t \n \r \f \v \0 \xHH \uHHHH,
//   \d \D \w \W \s \S (ASCII), \b \B, ^ $ (text start / end), `.` (any byte but \n \r),
//   classes [...] with ranges and negation (ASCII members), groups ( ) (?: ) (?<name> ),
//   alternation |, quantifiers ? * + {n} {n,} {n,m} (greedy, or lazy with a trailing ?),
//   and a leading (?i) for ASCII case-insensitivity.
// Everything else is refused with the reason: backreferences, lookaround, other inline flags,
// Unicode property escapes, possessive / stacked quantifiers, unknown escapes.

/** A set of bytes: 256 bits in 8 words (bit b of word b >> 5). */
export type ByteSet = Uint32Array;

export type RegexNode =
  | { kind: "set"; set: ByteSet }
  | { kind: "seq"; items: RegexNode[] }
  | { kind: "alt"; options: RegexNode[] }
  | { kind: "repeat"; item: RegexNode; min: number; max: number; lazy: boolean } // max -1: unbounded
  | { kind: "assert"; what: AssertKind };

export type AssertKind = "word_boundary" | "not_word_boundary" | "text_start" | "text_end";

/** A pattern the subset refuses: `offset` is the index in the pattern where the problem is. */
export class RegexSyntaxError extends Error {
  override readonly name = "RegexSyntaxError";
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
  }
}

/** Repetition counts above this are refused ({n,m} copies the item: the program would grow). */
const MAX_REPEAT = 1000;

export const newSet = (): ByteSet => new Uint32Array(8);
export const hasByte = (s: ByteSet, b: number): boolean => (s[b >>> 5]! & (1 << (b & 31))) !== 0;
const addByte = (s: ByteSet, b: number): void => {
  s[b >>> 5]! |= 1 << (b & 31);
};
function addRange(s: ByteSet, from: number, to: number): void {
  for (let b = from; b <= to; b++) addByte(s, b);
}
function invert(s: ByteSet): ByteSet {
  const out = newSet();
  for (let w = 0; w < 8; w++) out[w] = ~s[w]! >>> 0;
  return out;
}
function union(into: ByteSet, from: ByteSet): void {
  for (let w = 0; w < 8; w++) into[w]! |= from[w]!;
}
const isUpper = (b: number): boolean => b >= 65 && b <= 90;
const isLower = (b: number): boolean => b >= 97 && b <= 122;

/** `s` with the other case of every ASCII letter in it. */
function foldCase(s: ByteSet): ByteSet {
  const out = newSet();
  union(out, s);
  for (let b = 65; b <= 90; b++) if (hasByte(s, b) || hasByte(s, b + 32)) { addByte(out, b); addByte(out, b + 32); }
  return out;
}

function classEscape(letter: string): ByteSet | null {
  const s = newSet();
  switch (letter.toLowerCase()) {
    case "d": addRange(s, 48, 57); break;
    case "w": addRange(s, 48, 57); addRange(s, 65, 90); addRange(s, 97, 122); addByte(s, 95); break;
    case "s": for (const b of [9, 10, 11, 12, 13, 32]) addByte(s, b); break;
    default: return null;
  }
  return letter === letter.toUpperCase() ? invert(s) : s;
}

/** Whether the node can match the empty string (assertions are zero-width). */
export function nullable(node: RegexNode): boolean {
  switch (node.kind) {
    case "set": return false;
    case "assert": return true;
    case "seq": return node.items.every(nullable);
    case "alt": return node.options.some(nullable);
    case "repeat": return node.min === 0 || nullable(node.item);
  }
}

const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
const SYNTAX_CHARS = "^$\\.*+?()[]{}|/-";

class Parser {
  private i = 0;
  ignoreCase: boolean;
  constructor(private readonly src: string, ignoreCase: boolean) {
    this.ignoreCase = ignoreCase;
  }

  fail(message: string, at = this.i): never {
    throw new RegexSyntaxError(message, at);
  }

  parse(): RegexNode {
    if (this.src.startsWith("(?i)")) { this.ignoreCase = true; this.i = 4; }
    const node = this.alternation();
    if (this.i < this.src.length) this.fail(this.src[this.i] === ")" ? "unmatched )" : `unexpected ${this.src[this.i]}`);
    return node;
  }

  private peek(): string | undefined { return this.src[this.i]; }

  private alternation(): RegexNode {
    const options = [this.sequence()];
    while (this.peek() === "|") {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "alt", options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== "|" && c !== ")"; c = this.peek()) {
      const at = this.i;
      const atom = this.atom();
      items.push(this.quantified(atom, at));
    }
    return items.length === 1 ? items[0]! : { kind: "seq", items };
  }

  /** The quantifier after an atom, if any. */
  private quantified(atom: RegexNode, atomAt: number): RegexNode {
    const c = this.peek();
    let min: number, max: number;
    if (c === "?") { min = 0; max = 1; this.i++; }
    else if (c === "*") { min = 0; max = -1; this.i++; }
    else if (c === "+") { min = 1; max = -1; this.i++; }
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) this.fail("a { that does not start a quantifier {n}, {n,} or {n,m} (write \\{ for the character)");
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
      if (min > MAX_REPEAT || max > MAX_REPEAT) this.fail(`repetition count over ${MAX_REPEAT}`);
      if (max !== -1 && max < min) this.fail(`quantifier {${min},${max}} has its numbers out of order`);
      this.i += m[0].length;
    } else return atom;
    if (atom.kind === "assert") this.fail("nothing to repeat (an assertion cannot be quantified)", atomAt);
    // JavaScript rejects an iteration that matches nothing and backtracks into it; a Pike VM
    // cannot, so the match chosen could differ: refused (write (a+)* rather than (a*)*)
    if (max !== 1 && nullable(atom)) this.fail("a repeated part that can match the empty string (like (a*)* or (a?){2}) is not supported: make it match at least one character", atomAt);
    let lazy = false;
    if (this.peek() === "?") { lazy = true; this.i++; }
    const next = this.peek();
    if (next === "?" || next === "*" || next === "+" || (next === "{" && /^\{\d/.test(this.src.slice(this.i)))) {
      this.fail(next === "+" ? "possessive quantifiers are not supported" : "nothing to repeat (two quantifiers in a row)");
    }
    return { kind: "repeat", item: atom, min, max, lazy };
  }

  private atom(): RegexNode {
    const c = this.peek()!;
    switch (c) {
      case "(": return this.group();
      case "[": return this.charClass();
      case ".": {
        this.i++;
        const s = invert(newSet());
        s[0]! &= ~((1 << 10) | (1 << 13));
        return { kind: "set", set: s };
      }
      case "^": this.i++; return { kind: "assert", what: "text_start" };
      case "$": this.i++; return { kind: "assert", what: "text_end" };
      case "\\": return this.escape();
      case "*": case "+": case "?": return this.fail("nothing to repeat");
      case "{":
        if (/^\{\d+(,\d*)?\}/.test(this.src.slice(this.i))) this.fail("nothing to repeat");
        return this.fail("a { that does not start a quantifier {n}, {n,} or {n,m} (write \\{ for the character)");
      default: {
        const cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
        return this.literal(cp);
      }
    }
  }

  /** A code point as its UTF-8 bytes in sequence (one set each). */
  private literal(cp: number): RegexNode {
    const bytes = Buffer.from(String.fromCodePoint(cp), "utf8");
    const items: RegexNode[] = [...bytes].map((b) => {
      const s = newSet();
      addByte(s, b);
      return { kind: "set", set: this.ignoreCase ? foldCase(s) : s } as RegexNode;
    });
    return items.length === 1 ? items[0]! : { kind: "seq", items };
  }

  private group(): RegexNode {
    const open = this.i;
    this.i++;
    if (this.src.startsWith("?", this.i)) {
      const rest = this.src.slice(this.i);
      if (rest.startsWith("?:")) this.i += 2;
      else if (rest.startsWith("?=") || rest.startsWith("?!") || rest.startsWith("?<=") || rest.startsWith("?<!")) this.fail("lookaround ((?=, (?!, (?<=, (?<!) is not supported", open);
      else if (/^\?<[A-Za-z_$][\w$]*>/.test(rest)) this.i += rest.indexOf(">") + 1;
      else if (rest.startsWith("?P<")) this.fail("Python's (?P<name>...) is not JavaScript syntax: write (?<name>...)", open);
      else if (/^\?[a-zA-Z-]+[):]/.test(rest)) this.fail("inline flags are only supported as a leading (?i)", open);
      else this.fail("unsupported group syntax (?", open);
    }
    const inner = this.alternation();
    if (this.peek() !== ")") this.fail("missing ) for the group opened", open);
    this.i++;
    // a group may be quantified even when it holds only an assertion (JavaScript allows it)
    return inner.kind === "assert" ? { kind: "seq", items: [inner] } : inner;
  }

  private escape(): RegexNode {
    const at = this.i;
    const e = this.src[this.i + 1];
    if (e === undefined) this.fail("a pattern cannot end with \\");
    this.i += 2;
    if (e === "b") return { kind: "assert", what: "word_boundary" };
    if (e === "B") return { kind: "assert", what: "not_word_boundary" };
    const set = classEscape(e);
    if (set) return { kind: "set", set };
    return this.literal(this.escapedCodePoint(e, at, false));
  }

  /** The character an escape other than a class or assertion stands for. */
  private escapedCodePoint(e: string, at: number, inClass: boolean): number {
    if (e in CONTROL_ESCAPES) return CONTROL_ESCAPES[e]!;
    if (e === "0") {
      if (/[0-9]/.test(this.src[this.i] ?? "")) this.fail("octal escapes are not supported", at);
      return 0;
    }
    if (/[1-9]/.test(e)) return this.fail("backreferences (\\1 ...) are not supported", at);
    if (e === "k") return this.fail("backreferences (\\k<name>) are not supported", at);
    if (e === "x") {
      const hex = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
      if (!hex) this.fail("\\x needs two hex digits", at);
      this.i += 2;
      return parseInt(hex[0], 16);
    }
    if (e === "u") {
      const hex = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
      if (!hex) this.fail("\\u needs four hex digits", at);
      this.i += 4;
      return parseInt(hex[0], 16);
    }
    if (e === "p" || e === "P") return this.fail("Unicode property escapes (\\p{...}) are not supported", at);
    if (e === "c") return this.fail("control escapes (\\cX) are not supported", at);
    if (inClass && e === "b") return this.fail("\\b inside a class (backspace) is not supported", at);
    if (SYNTAX_CHARS.includes(e) || /[^A-Za-z0-9]/.test(e)) return e.codePointAt(0)!;
    return this.fail(`unknown escape \\${e}`, at);
  }

  private charClass(): RegexNode {
    const open = this.i;
    this.i++;
    let negate = false;
    if (this.peek() === "^") { negate = true; this.i++; }
    if (this.peek() === "]") this.fail(negate ? "[^] is not supported (use [\\s\\S])" : "empty class []", open);
    const s = newSet();
    while (this.peek() !== "]") {
      if (this.peek() === undefined) this.fail("missing ] for the class opened", open);
      const memberAt = this.i;
      const first = this.classMember();
      if (this.peek() === "-" && this.src[this.i + 1] !== "]" && this.src[this.i + 1] !== undefined) {
        this.i++;
        const second = this.classMember();
        if (typeof first !== "number" || typeof second !== "number") this.fail("a range with a class escape (\\d, \\w, \\s) at an end", memberAt);
        if (second < first) this.fail("a range out of order", memberAt);
        addRange(s, first, second);
      } else if (typeof first === "number") addByte(s, first);
      else union(s, first);
    }
    this.i++;
    const folded = this.ignoreCase ? foldCase(s) : s;
    return { kind: "set", set: negate ? invert(folded) : folded };
  }

  /** One member of a class: a byte, or a class escape's set. */
  private classMember(): number | ByteSet {
    const at = this.i;
    const c = this.src.codePointAt(this.i)!;
    if (c === 92) {
      const e = this.src[this.i + 1];
      if (e === undefined) this.fail("a pattern cannot end with \\");
      this.i += 2;
      const set = classEscape(e);
      if (set) return set;
      const cp = this.escapedCodePoint(e, at, true);
      if (cp > 127) this.fail("non-ASCII characters inside [...] are not supported (write them as alternatives)", at);
      return cp;
    }
    if (c > 127) this.fail("non-ASCII characters inside [...] are not supported (write them as alternatives)", at);
    this.i++;
    return c;
  }
}

/** Parses `pattern` (the subset above); throws RegexSyntaxError with the offset of the problem. */
export function parseRegex(pattern: string, ignoreCase = false): RegexNode {
  return new Parser(pattern, ignoreCase).parse();
}

/** The tree of `(?i)?\b(?:w1|w2|...)\b` for a deny list: whole words, any ASCII case. A word
 *  boundary is asserted only on a side where the word has a word character. */
export function denyListNode(words: readonly string[]): RegexNode {
  const isWordByte = (b: number): boolean => (b >= 48 && b <= 57) || isUpper(b) || isLower(b) || b === 95 || b >= 128;
  // longest first: of two words starting at the same place, the longer one is the match
  const sorted = [...words].sort((a, b) => Buffer.byteLength(b) - Buffer.byteLength(a));
  const options = sorted.map((word): RegexNode => {
    const bytes = [...Buffer.from(word, "utf8")];
    const items: RegexNode[] = bytes.map((b) => {
      const s = newSet();
      addByte(s, b);
      return { kind: "set", set: foldCase(s) };
    });
    if (isWordByte(bytes[0]!)) items.unshift({ kind: "assert", what: "word_boundary" });
    if (isWordByte(bytes.at(-1)!)) items.push({ kind: "assert", what: "word_boundary" });
    return { kind: "seq", items };
  });
  return options.length === 1 ? options[0]! : { kind: "alt", options };
}
