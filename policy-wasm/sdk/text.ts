// Text access for modules. Texts arrive as UTF-8 bytes inside the input buffer (no copy, no
// allocation): a module looks at them as (pointer, length) and reports positions in UTF-16 code
// units, the JavaScript string indices the host and policy.proto use (PiiSpan.start/end).
// Nothing here allocates, so it is safe in the hot loop of a stub-runtime module.

// ---- UTF-16 offsets of byte offsets, walking forward (spans come sorted)
let cursorText: usize = 0;
let cursorLen: i32 = 0;
let cursorByte: i32 = 0;
let cursorUnit: i32 = 0;

/** Starts converting offsets in the text at `ptr` (`len` bytes). */
export function utf16Start(ptr: usize, len: i32): void {
  cursorText = ptr; cursorLen = len; cursorByte = 0; cursorUnit = 0;
}

/** UTF-16 position of `byteOffset` in the text given to utf16Start; offsets must not go back
 *  (call utf16Start again for an earlier one). */
export function utf16At(byteOffset: i32): i32 {
  assert(byteOffset >= cursorByte && byteOffset <= cursorLen); // debug builds: sorted, inside the text
  const T = cursorText;
  // Eight bytes at a time (SWAR): each byte is one UTF-16 unit unless it is a continuation
  // byte (10xxxxxx, none) or the lead of a 4-byte sequence (11110xxx, two: a surrogate pair).
  // Bit 7 of each byte of `w & ~(w << 1)` is set for continuation bytes, of
  // `w & (w << 1) & (w << 2) & (w << 3)` for 4-byte leads (shifts by < 8 read the same byte).
  while (cursorByte + 16 <= byteOffset) { // ASCII, the usual case: 16 bytes, 16 units (needs --enable simd)
    if (i8x16.bitmask(v128.load(T + <usize>cursorByte)) != 0) break;
    cursorByte += 16; cursorUnit += 16;
  }
  while (cursorByte + 8 <= byteOffset) {
    const w = load<u64>(T + <usize>cursorByte);
    const high: u64 = 0x8080808080808080;
    if ((w & high) != 0) {
      const continuation = w & ~(w << 1) & high;
      const lead4 = w & (w << 1) & (w << 2) & (w << 3) & high;
      cursorUnit += 8 - <i32>popcnt(continuation) + <i32>popcnt(lead4);
    } else cursorUnit += 8; // ASCII, the usual case
    cursorByte += 8;
  }
  while (cursorByte < byteOffset) {
    const c = <i32>load<u8>(T + <usize>cursorByte);
    cursorByte++;
    if ((c & 0xc0) != 0x80) cursorUnit += c >= 0xf0 ? 2 : 1;
  }
  return cursorUnit;
}

// ---- bytes against AssemblyScript strings, without allocating

@inline export function isDigitByte(c: i32): bool { return <u32>(c - 48) < 10; }
@inline export function isAlphaByte(c: i32): bool { return <u32>((c | 32) - 97) < 26; }
/** ASCII letters, digits, `_`, and every non-ASCII byte (a match never ends inside a word). */
@inline export function isWordByte(c: i32): bool { return isDigitByte(c) || isAlphaByte(c) || c == 95 || c >= 128; }
@inline export function lowerByte(c: i32): i32 { return <u32>(c - 65) < 26 ? c | 32 : c; }

/** Whether the UTF-8 bytes at `ptr` (`len` of them) are the string `s` (any characters). */
export function bytesEqual(ptr: usize, len: i32, s: string): bool {
  let p = 0;
  const n = s.length;
  for (let k = 0; k < n; k++) {
    let cp = <u32>s.charCodeAt(k);
    if (cp >= 0xd800 && cp < 0xdc00 && k + 1 < n) { // surrogate pair: one 4-byte sequence
      cp = 0x10000 + ((cp - 0xd800) << 10) + (<u32>s.charCodeAt(++k) - 0xdc00);
    }
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (p + size > len) return false;
    const b = ptr + <usize>p;
    if (size == 1) { if (<u32>load<u8>(b) != cp) return false; }
    else if (size == 2) { if (<u32>load<u8>(b) != (0xc0 | (cp >> 6)) || <u32>load<u8>(b + 1) != (0x80 | (cp & 63))) return false; }
    else if (size == 3) {
      if (<u32>load<u8>(b) != (0xe0 | (cp >> 12)) || <u32>load<u8>(b + 1) != (0x80 | ((cp >> 6) & 63)) || <u32>load<u8>(b + 2) != (0x80 | (cp & 63))) return false;
    } else if (<u32>load<u8>(b) != (0xf0 | (cp >> 18)) || <u32>load<u8>(b + 1) != (0x80 | ((cp >> 12) & 63)) ||
               <u32>load<u8>(b + 2) != (0x80 | ((cp >> 6) & 63)) || <u32>load<u8>(b + 3) != (0x80 | (cp & 63))) return false;
    p += size;
  }
  return p == len;
}

/** Whether the bytes at `ptr + at` start with the ASCII `needle`; `ignoreCase` folds ASCII letters. */
export function startsWithAt(ptr: usize, len: i32, at: i32, needle: string, ignoreCase: bool = false): bool {
  const n = needle.length;
  if (at < 0 || at + n > len) return false;
  for (let k = 0; k < n; k++) {
    let c = <i32>load<u8>(ptr + <usize>(at + k)), w = needle.charCodeAt(k);
    if (ignoreCase) { c = lowerByte(c); w = lowerByte(w); }
    if (c != w) return false;
  }
  return true;
}

/** Byte offset of the first `needle` (ASCII) at or after `from`, or -1. */
export function findAscii(ptr: usize, len: i32, needle: string, from: i32 = 0, ignoreCase: bool = false): i32 {
  const n = needle.length;
  for (let i = from < 0 ? 0 : from; i + n <= len; i++) if (startsWithAt(ptr, len, i, needle, ignoreCase)) return i;
  return -1;
}
