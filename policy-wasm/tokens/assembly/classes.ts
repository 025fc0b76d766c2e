// Code-point classes for the pre-tokeniser and the UTF-8 decoder that yields them.
// The class codes match gen-unicode.mjs, which writes the lookup tables at build time.
import { CLASS_STAGE1, CLASS_STAGE2 } from "./generated/unicode_classes";

const C_OTHER: u32 = 0;
export const C_APOSTROPHE: u32 = 1;
const C_SLASH: u32 = 2;
const C_MARK: u32 = 3;
export const C_NUMBER: u32 = 4;
const C_UPPER: u32 = 5; // Lu | Lt
const C_LOWER: u32 = 6; // Ll
const C_CASELESS: u32 = 7; // Lm | Lo
const C_SPACE_OTHER: u32 = 8; // White_Space other than U+0020, CR, LF
export const C_SPACE: u32 = 9;
export const C_NEWLINE: u32 = 10; // CR or LF

// Sets of classes as bit masks, named after the regex pieces they stand for.
/** \p{L} */
export const M_LETTER: u32 = (1 << C_UPPER) | (1 << C_LOWER) | (1 << C_CASELESS);
/** \s (Unicode White_Space, as the reference's regex crate defines it) */
export const M_SPACE: u32 = (1 << C_SPACE_OTHER) | (1 << C_SPACE) | (1 << C_NEWLINE);
/** [^\s\p{L}\p{N}] */
export const M_PUNCT: u32 = (1 << C_OTHER) | (1 << C_APOSTROPHE) | (1 << C_SLASH) | (1 << C_MARK);
/** [^\r\n\p{L}\p{N}]: the optional one-character prefix of a word */
export const M_PREFIX: u32 = M_PUNCT | (1 << C_SPACE_OTHER) | (1 << C_SPACE);
/** o200k [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
export const M_UPPERISH: u32 = (1 << C_UPPER) | (1 << C_CASELESS) | (1 << C_MARK);
/** o200k [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
export const M_LOWERISH: u32 = (1 << C_LOWER) | (1 << C_CASELESS) | (1 << C_MARK);
/** o200k [\r\n/] */
export const M_NEWLINE_SLASH: u32 = (1 << C_NEWLINE) | (1 << C_SLASH);
export const M_NEWLINE: u32 = 1 << C_NEWLINE;

@inline export function inSet(cls: u32, mask: u32): bool {
  return ((mask >> cls) & 1) != 0;
}

@inline function classOf(cp: u32): u32 {
  const block = <usize>load<u8>(CLASS_STAGE1 + <usize>(cp >> 8));
  return <u32>load<u8>(CLASS_STAGE2 + (block << 8) + <usize>(cp & 0xff));
}

/**
 * Class of an ASCII byte (`b` < 0x80): block 0 of the stage-2 table. The scanning loops test
 * `b < 0x80` themselves and then advance by exactly one byte, so the loop-carried position
 * never waits on this table load (decodeAt's `class | length << 8` makes the next position
 * depend on it: a load on the critical path of every byte, which was most of the scan's cost).
 */
@inline export function asciiClass(b: u32): u32 {
  return <u32>load<u8>(CLASS_STAGE2 + <usize>b);
}

/**
 * Decodes the code point at `p` and returns `class | byteLength << 8`. Input comes from the
 * host's UTF-8 encoder, so it is valid; a malformed byte still advances by one, as OTHER.
 */
@inline export function decodeAt(p: usize, end: usize): u32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return <u32>load<u8>(CLASS_STAGE2 + <usize>b0) | (1 << 8); // block 0 = ASCII
  return decodeMultiByte(p, end, b0);
}

/** decodeAt for a lead byte `b0` >= 0x80: `class | byteLength << 8`. */
export function decodeMultiByte(p: usize, end: usize, b0: u32): u32 {
  const avail = end - p;
  if (b0 >= 0xc2 && b0 < 0xe0 && avail >= 2) {
    const b1 = <u32>load<u8>(p + 1);
    if ((b1 & 0xc0) == 0x80) return classOf(((b0 & 0x1f) << 6) | (b1 & 0x3f)) | (2 << 8);
  } else if (b0 >= 0xe0 && b0 < 0xf0 && avail >= 3) {
    const b1 = <u32>load<u8>(p + 1);
    const b2 = <u32>load<u8>(p + 2);
    if (((b1 | (b2 << 8)) & 0xc0c0) == 0x8080) {
      const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      if (cp >= 0x800) return classOf(cp) | (3 << 8);
    }
  } else if (b0 >= 0xf0 && b0 < 0xf5 && avail >= 4) {
    const b1 = <u32>load<u8>(p + 1);
    const b2 = <u32>load<u8>(p + 2);
    const b3 = <u32>load<u8>(p + 3);
    if (((b1 | (b2 << 8) | (b3 << 16)) & 0xc0c0c0) == 0x808080) {
      const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (cp >= 0x10000 && cp <= 0x10ffff) return classOf(cp) | (4 << 8);
    }
  }
  return C_OTHER | (1 << 8);
}
