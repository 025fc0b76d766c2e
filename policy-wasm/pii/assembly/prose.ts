// WASM SIMD (v128) filter for detect's loop: finds, 16 bytes at a time, the stretch of plain
// prose ahead where no byte can start or trigger a match, so the loop can jump over it.
//
// A byte is "hot" when a match could involve it: a digit, or one of + , - . / : ( @ _ followed
// by a byte above 0x20 (not a space, tab, newline or other control). Everything else in prose
// (letters, UTF-8, spaces, `,` `.` `:` ... ending a clause) is cold. Why a run of cold bytes
// needs nothing from detect (each case checked against the matchers):
//  - a non-word byte triggers something only if it is @ - + ( : and each of those matchers
//    needs a non-space byte right after it (a domain after `@`, `--` for a key, a digit after
//    `+` or `(`, `::` for IPv6);
//  - a word starting with a letter tries more than the AWS key id only when letterWordMayMatch
//    (detect.ts): its letters are followed by a digit or by . : - _ + / and a non-space byte,
//    i.e. by a hot byte;
//  - an AWS key id is 20 word bytes: its letters either reach a digit (hot) or run past the
//    16 bytes, so its `A` is never in a cold run that gets skipped (see below);
//  - a word starting with a digit is hot; one starting with `_` or UTF-8 tries nothing, and
//    letters after UTF-8 bytes are inside a word;
//  - bytes inside a word trigger nothing.
// The one exception is the last letters before the first hot byte (or before the end of the 16
// bytes): whether their word may match depends on what follows them, so detect resumes there.

/** Bit k set when byte p[k] (k < 16) is hot; reads p[0..17). With `spaceDigit` (a type is on
 *  whose match starts with letters, a space and a digit: detect.ts spaceDigitWords) a space
 *  followed by a digit is hot too, so the letters before it are not skipped. */
@inline export function hotMask(p: usize, spaceDigit: bool): i32 {
  const x = v128.load(p);
  const next = v128.load(p, 1);
  const digit = i8x16.lt_u(i8x16.sub(x, i8x16.splat(0x30)), i8x16.splat(10));
  // 0x2b..0x3a: + , - . / 0-9 : (one range test; the digits are hot anyway)
  let sep = i8x16.lt_u(i8x16.sub(x, i8x16.splat(0x2b)), i8x16.splat(16));
  sep = v128.or(sep, i8x16.eq(x, i8x16.splat(0x28))); // (
  sep = v128.or(sep, i8x16.eq(x, i8x16.splat(0x40))); // @
  sep = v128.or(sep, i8x16.eq(x, i8x16.splat(0x5f))); // _
  const followed = i8x16.gt_u(next, i8x16.splat(0x20));
  let hot = v128.or(digit, v128.and(sep, followed));
  if (spaceDigit) {
    const nextDigit = i8x16.lt_u(i8x16.sub(next, i8x16.splat(0x30)), i8x16.splat(10));
    hot = v128.or(hot, v128.and(i8x16.eq(x, i8x16.splat(0x20)), nextDigit));
  }
  return i8x16.bitmask(hot);
}

/** Bit k set when byte p[k] (k < 16) is an ASCII letter. */
@inline export function letterMask(p: usize): i32 {
  const x = v128.load(p);
  return i8x16.bitmask(i8x16.lt_u(i8x16.sub(v128.or(x, i8x16.splat(0x20)), i8x16.splat(0x61)), i8x16.splat(26)));
}
