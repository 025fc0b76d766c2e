// The text being scanned (UTF-8 bytes) and the byte classes every detector uses.
// Detectors work on bytes: every pattern here is ASCII; bytes >= 0x80 count as word characters,
// so a match never starts or ends inside a non-ASCII word.
export let T: usize = 0;
export let N: i32 = 0;

export function setText(ptr: usize, len: i32): void { T = ptr; N = len; }

/** Byte at i, or -1 outside the text (so boundary checks need no special case). */
@inline export function ch(i: i32): i32 { return <u32>i < <u32>N ? <i32>load<u8>(T + <usize>i) : -1; }
@inline export function isDigit(c: i32): bool { return <u32>(c - 48) < 10; }
@inline export function isUpper(c: i32): bool { return <u32>(c - 65) < 26; }
@inline export function isAlpha(c: i32): bool { return <u32>((c | 32) - 97) < 26; }
@inline export function isAlnum(c: i32): bool { return isDigit(c) || isAlpha(c); }
@inline export function isHex(c: i32): bool { return isDigit(c) || <u32>((c | 32) - 97) < 6; }
@inline export function isWord(c: i32): bool { return isAlnum(c) || c == 95 || c >= 128; }
@inline export function lower(c: i32): i32 { return isUpper(c) ? c | 32 : c; }
@inline export function upper(c: i32): i32 { return isAlpha(c) ? c & ~32 : c; }
@inline export function digitAt(i: i32): i32 { return ch(i) - 48; }

// Byte classes as one table load, for the detect loop (which looks at every byte). The
// matchers keep the arithmetic tests above: they run rarely and take ch()'s -1 past the ends.
export const CLASS_WORD: u8 = 1;   // isWord
export const CLASS_ALPHA: u8 = 2;  // isAlpha
export const CLASS_DIGIT: u8 = 4;  // isDigit
/** A byte that can follow a word's letters when the word may be something other than prose:
 *  a digit or one of . : - _ + / (see detect.ts, `letterWordMayMatch`). */
export const CLASS_FOLLOW: u8 = 8;
const CLASSES = new StaticArray<u8>(256);
for (let c = 0; c < 256; c++) {
  let k: u8 = 0;
  if (isWord(c)) k |= CLASS_WORD;
  if (isAlpha(c)) k |= CLASS_ALPHA;
  if (isDigit(c)) k |= CLASS_DIGIT | CLASS_FOLLOW;
  if (c == 46 || c == 58 || c == 45 || c == 95 || c == 43 || c == 47) k |= CLASS_FOLLOW;
  unchecked(CLASSES[c] = k);
}
/** Class bits of byte c (0..255). */
@inline export function classOf(c: i32): u8 { return unchecked(CLASSES[c]); }

/** Length of the run of digits starting at i. */
export function digitRun(i: i32): i32 {
  let j = i;
  while (isDigit(ch(j))) j++;
  return j - i;
}

/** Whether the text at i starts with the ASCII literal (case-sensitive). */
export function startsWith(i: i32, lit: string): bool {
  const n = lit.length;
  if (i + n > N) return false;
  for (let k = 0; k < n; k++) if (<i32>load<u8>(T + <usize>(i + k)) != lit.charCodeAt(k)) return false;
  return true;
}
