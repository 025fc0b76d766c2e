// Encoded payloads: runs of base64 or hex in a window are decoded, and when the bytes read as
// text (mostly printable) they are scored as a view of their own ("decoded_base64",
// "decoded_hex"). ROT13 needs no run: the whole normalised window is rotated and re-read
// (check.ts). Random keys, hashes and image data decode to binary and are left alone. A window
// that is mostly dots and dashes is decoded as Morse code (decodeMorse; "decoded_cipher").
import { WINDOW } from "./normalize";

/** Runs shorter than this are ordinary words (base64's alphabet is letters and digits). */
const MIN_RUN: i32 = 20;
export const decoded = new StaticArray<u8>(WINDOW + 16);
export let decodedLen: i32 = 0;
export let foundBase64 = false;
export let foundHex = false;

@inline function isHexByte(c: i32): bool { return <u32>(c - 48) < 10 || <u32>((c | 32) - 97) < 6; }
@inline function base64Value(c: i32): i32 {
  if (<u32>(c - 65) < 26) return c - 65;
  if (<u32>(c - 97) < 26) return c - 71;
  if (<u32>(c - 48) < 10) return c + 4;
  if (c == 43 || c == 45) return 62; // + and URL-safe -
  if (c == 47 || c == 95) return 63; // / and URL-safe _
  return -1;
}
// One table load per byte for the run scan: 0xff = not base64; else the base64 value, | 0x40
// when the byte is also a hex digit.
const CLASS = new StaticArray<u8>(256);
for (let c = 0; c < 256; c++) {
  const v = base64Value(c);
  unchecked(CLASS[c] = v < 0 ? 0xff : <u8>(v | (isHexByte(c) ? 0x40 : 0)));
}

@inline function hexValue(c: i32): i32 { return <u32>(c - 48) < 10 ? c - 48 : (c | 32) - 87; }

/** Whether decoded[from..decodedLen) reads as text: at least 90 % printable ASCII, tab or newline
 *  (UTF-8 continuation and lead bytes count as printable: encoded non-English text). */
function readable(from: i32): bool {
  const n = decodedLen - from;
  if (n < 8) return false;
  let ok = 0;
  for (let i = from; i < decodedLen; i++) {
    const c = <i32>unchecked(decoded[i]);
    if ((c >= 32 && c < 127) || c == 9 || c == 10 || c == 13 || c >= 0x80) ok++;
  }
  return ok * 10 >= n * 9;
}

@inline function isRunByte(src: usize, i: i32): bool { return unchecked(CLASS[load<u8>(src + <usize>i)]) != 0xff; }

/** Decodes every base64 / hex run of src[0..len) into `decoded` (space separated). Only runs of
 *  MIN_RUN bytes or more count, and every such run holds one of the bytes MIN_RUN apart that the
 *  scan probes (past the end of the last run found): a probe that lands on a run byte finds its
 *  run's two ends; prose's short words are measured once per probe, not byte by byte. Finds the
 *  same runs, in the same order, as testing every byte. */
export function decodeRuns(src: usize, len: i32): void {
  decodedLen = 0;
  foundBase64 = false;
  foundHex = false;
  let probe = MIN_RUN - 1;
  let after = 0; // runs end before `after`: the backward walk stops there
  while (probe < len) {
    if (!isRunByte(src, probe)) { probe += MIN_RUN; continue; }
    let i = probe;
    while (i > after && isRunByte(src, i - 1)) i--;
    let j = probe + 1;
    while (j < len && isRunByte(src, j)) j++;
    // [i, j) is a whole run; the next run starts after j (a non-run byte, or the end)
    after = j;
    probe = j + MIN_RUN;
    if (j - i >= MIN_RUN) decodeRun(src, i, j);
  }
}

/** Decodes the run src[i..j) (hex when it is all hex digits of even length, else base64) and
 *  keeps it when it reads as text. */
function decodeRun(src: usize, i: i32, j: i32): void {
  let allHex = true;
  for (let k = i; k < j; k++) if ((unchecked(CLASS[load<u8>(src + <usize>k)]) & 0x40) == 0) { allHex = false; break; }
  const run = j - i;
  const from = decodedLen;
  if (allHex && (run & 1) == 0) {
    for (let k = i; k + 1 < j; k += 2) {
      unchecked(decoded[decodedLen++] = <u8>((hexValue(<i32>load<u8>(src + <usize>k)) << 4) | hexValue(<i32>load<u8>(src + <usize>(k + 1)))));
    }
    if (readable(from)) { foundHex = true; unchecked(decoded[decodedLen++] = 32); } else decodedLen = from;
  } else {
    let acc: u32 = 0, bits = 0;
    for (let k = i; k < j; k++) {
      acc = (acc << 6) | <u32>base64Value(<i32>load<u8>(src + <usize>k));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        unchecked(decoded[decodedLen++] = <u8>(acc >>> <u32>bits));
      }
    }
    if (readable(from)) { foundBase64 = true; unchecked(decoded[decodedLen++] = 32); } else decodedLen = from;
  }
}

// Morse code: a letter is up to 6 dots and dashes, letters are separated by one space, words by
// two or more spaces or a slash. Table index: 1 << length | the symbols as bits (dash = 1), first
// symbol highest; 0 = not a code.
const MORSE = new StaticArray<u8>(128);
function morse(code: string, c: i32): void {
  let k = 1;
  for (let i = 0; i < code.length; i++) k = (k << 1) | (code.charCodeAt(i) == 45 ? 1 : 0);
  unchecked(MORSE[k] = <u8>c);
}
const MORSE_LETTERS = [".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--",
  "-.", "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--", "--.."];
const MORSE_DIGITS = ["-----", ".----", "..---", "...--", "....-", ".....", "-....", "--...", "---..", "----."];
for (let i = 0; i < 26; i++) morse(MORSE_LETTERS[i], 97 + i);
for (let i = 0; i < 10; i++) morse(MORSE_DIGITS[i], 48 + i);
morse(".-.-.-", 46); morse("--..--", 44); morse("..--..", 63); morse(".----.", 39); morse("-.-.--", 33); morse("---...", 58);
/** A window is decoded as Morse only with at least this many dots and dashes. */
export const MORSE_MIN_MARKS: i32 = 24;

/** Decodes src[0..len) as Morse code into `decoded`; returns whether it read as Morse: at least 8
 *  letters, and tokens that are not codes (ordinary words, table rules of dashes) fewer than a
 *  quarter of them. Spaces are kept as word breaks. */
export function decodeMorse(src: usize, len: i32): bool {
  decodedLen = 0;
  let good = 0, other = 0, spaces = 0;
  let i = 0;
  while (i < len) {
    let c = <i32>load<u8>(src + <usize>i);
    if (c == 32 || c == 10 || c == 13 || c == 9) { spaces++; i++; continue; }
    if (c == 47) { spaces = 2; i++; continue; } // "/": a word break
    let letter = 0;
    if (c == 46 || c == 45) {
      let k = 1, n = 0;
      while (i < len && (c == 46 || c == 45)) {
        if (n < 7) k = (k << 1) | (c == 45 ? 1 : 0);
        n++;
        i++;
        c = i < len ? <i32>load<u8>(src + <usize>i) : 32;
      }
      // a code must end at a separator: "--|" or "-->" is not Morse
      if (n <= 6 && (c <= 32 || c == 47)) letter = <i32>unchecked(MORSE[k]);
    }
    if (letter == 0) {
      // another token: skipped to its end (a table's "|---|" rules, or prose: given up after
      // 16 of them when they are a quarter of the codes, so a table is not read to its end;
      // an instruction before the code, up to 16 words, is not cut short)
      if (++other > 16 && other * 4 >= good) return false;
      while (i < len && <i32>load<u8>(src + <usize>i) > 32) i++;
      spaces = 2;
      continue;
    }
    if (spaces >= 2 && decodedLen > 0) unchecked(decoded[decodedLen++] = 32);
    spaces = 0;
    unchecked(decoded[decodedLen++] = <u8>letter);
    good++;
  }
  return good >= 8 && other * 4 < good;
}
