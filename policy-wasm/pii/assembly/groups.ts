// Digit groups and the check-digit algorithms the national-id matchers share.
//
// readGroups reads a number the way a reader does: digit groups separated by one separator
// byte, one kind per number. A matcher then asks for its layout (`"333"`: three groups of 3,
// or one run of 9) and gets the end of the first groups that fit it, so a number followed by
// other groups (`005 499 981 12`) still ends where the id does. The work is bounded: at most
// MAX_DIGITS digits and MAX_GROUPS groups are read from any position.
import { ch, isDigit, isWord } from "./text";

const MAX_DIGITS: i32 = 24;
const MAX_GROUPS: i32 = 8;
/** The digits read, in order. */
export const DIG = new StaticArray<i32>(MAX_DIGITS + 1);
export let nDigits: i32 = 0;
const GROUP_LEN = new StaticArray<i32>(MAX_GROUPS);
const GROUP_END = new StaticArray<i32>(MAX_GROUPS);
let nGroups: i32 = 0;
let groupsFrom: i32 = -1;
/** The separator kind the groups were joined by (one SEP_ bit), 0 for one group. */
let groupsKind: i32 = 0;

export const SEP_SPACE: i32 = 1;
export const SEP_DASH: i32 = 2;
export const SEP_DOT: i32 = 4;
export const SEP_SLASH: i32 = 8;

function sepBit(c: i32): i32 {
  if (c == 32) return SEP_SPACE;
  if (c == 45) return SEP_DASH;
  if (c == 46) return SEP_DOT;
  if (c == 47) return SEP_SLASH;
  return 0;
}

/** Reads the digit groups at i joined by one kind of separator (space, dash, dot or slash);
 *  kept for the next call at the same place (every matcher at a word start asks). */
function readGroups(i: i32): void {
  if (i == groupsFrom) return;
  groupsFrom = i;
  nDigits = 0; nGroups = 0; groupsKind = 0;
  let j = i;
  while (nGroups < MAX_GROUPS) {
    const start = j;
    while (isDigit(ch(j)) && nDigits <= MAX_DIGITS) { unchecked(DIG[nDigits++] = ch(j) - 48); j++; }
    if (j == start) break;
    unchecked(GROUP_LEN[nGroups] = j - start); unchecked(GROUP_END[nGroups] = j); nGroups++;
    if (nDigits > MAX_DIGITS) break;
    const bit = sepBit(ch(j));
    if (bit == 0 || !isDigit(ch(j + 1))) break;
    if (groupsKind == 0) groupsKind = bit; else if (groupsKind != bit) break;
    j++;
  }
}
/** Forget the cached groups (a new text). */
export function resetGroups(): void { groupsFrom = -1; }

/** End of a number of `total` digits at i written as one run, or as the groups in `layout`
 *  (digit counts, e.g. "333"); 0 when neither. The number must not run into a word. Separators:
 *  `seps` bits. Fills DIG with its digits first. */
export function layoutEnd(i: i32, layout: string, seps: i32): i32 {
  readGroups(i);
  if (nGroups == 0) return 0;
  let total = 0;
  for (let k = 0; k < layout.length; k++) total += layout.charCodeAt(k) - 48;
  if (unchecked(GROUP_LEN[0]) == total) {
    const end = unchecked(GROUP_END[0]);
    return isWord(ch(end)) ? 0 : end;
  }
  const n = layout.length;
  if (n < 2 || nGroups < n || (groupsKind & seps) == 0) return 0;
  for (let k = 0; k < n; k++) if (unchecked(GROUP_LEN[k]) != layout.charCodeAt(k) - 48) return 0;
  const end = unchecked(GROUP_END[n - 1]);
  return isWord(ch(end)) ? 0 : end;
}

/** Exactly `total` digits in one run at i (no separators), not running into a word. */
export function runEnd(i: i32, total: i32): i32 {
  readGroups(i);
  if (nGroups == 0 || unchecked(GROUP_LEN[0]) != total) return 0;
  const end = unchecked(GROUP_END[0]);
  return isWord(ch(end)) ? 0 : end;
}

@inline export function dig(k: i32): i32 { return unchecked(DIG[k]); }

/** Luhn over DIG[from, to). */
export function luhn(from: i32, to: i32): bool {
  let sum = 0, double = false;
  for (let k = to - 1; k >= from; k--) {
    let d = dig(k);
    if (double) { d <<= 1; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 == 0;
}

/** Sum of DIG[k] * weights[k] (weights as a string of digit characters, `;` = 10, `<` = 12...). */
export function weighted(weights: string, from: i32): i32 {
  let sum = 0;
  for (let k = 0; k < weights.length; k++) sum += dig(from + k) * (weights.charCodeAt(k) - 48);
  return sum;
}

const VERHOEFF_D: StaticArray<u8> = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 0, 6, 7, 8, 9, 5, 2, 3, 4, 0, 1, 7, 8, 9, 5, 6,
  3, 4, 0, 1, 2, 8, 9, 5, 6, 7, 4, 0, 1, 2, 3, 9, 5, 6, 7, 8, 5, 9, 8, 7, 6, 0, 4, 3, 2, 1,
  6, 5, 9, 8, 7, 1, 0, 4, 3, 2, 7, 6, 5, 9, 8, 2, 1, 0, 4, 3, 8, 7, 6, 5, 9, 3, 2, 1, 0, 4,
  9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
];
const VERHOEFF_P: StaticArray<u8> = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 5, 7, 6, 2, 8, 3, 0, 9, 4, 5, 8, 0, 3, 7, 9, 6, 1, 4, 2,
  8, 9, 1, 6, 0, 4, 3, 5, 2, 7, 9, 4, 5, 3, 1, 2, 6, 8, 7, 0, 4, 2, 8, 6, 5, 7, 3, 9, 0, 1,
  2, 7, 9, 3, 8, 0, 6, 4, 1, 5, 7, 0, 4, 6, 9, 1, 3, 2, 5, 8,
];

/** Verhoeff check over DIG[0, n) (the last digit is the check digit). */
export function verhoeff(n: i32): bool {
  let c = 0;
  for (let k = 0; k < n; k++) {
    const d = dig(n - 1 - k);
    c = <i32>unchecked(VERHOEFF_D[c * 10 + <i32>unchecked(VERHOEFF_P[(k & 7) * 10 + d])]);
  }
  return c == 0;
}

/** Whether day/month make a calendar date (year: full, for leap years). */
export function validDate(year: i32, month: i32, day: i32): bool {
  if (month < 1 || month > 12 || day < 1) return false;
  let days = 31;
  if (month == 4 || month == 6 || month == 9 || month == 11) days = 30;
  else if (month == 2) days = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
  return day <= days;
}
