// Number-shaped identifiers with their validators: credit cards (Luhn), US SSN, UK NHS (mod 11),
// ES NIF / NIE (check letter). Each matcher is called at a word start and returns the end of the
// match (exclusive) or 0.
import { scoreMatch } from "./candidates";
import { ch, isDigit, isWord, isAlpha, isUpper, digitAt, digitRun, lower } from "./text";

const cardEnds = new StaticArray<i32>(8);

/** Luhn over the digits in [from, to), separators skipped. */
function luhnValid(from: i32, to: i32): bool {
  let sum = 0, double = false;
  for (let i = to - 1; i >= from; i--) {
    const c = ch(i);
    if (!isDigit(c)) continue;
    let d = c - 48;
    if (double) { d <<= 1; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 == 0;
}

function digitsIn(from: i32, to: i32): i32 {
  let n = 0;
  for (let i = from; i < to; i++) if (isDigit(ch(i))) n++;
  return n;
}

/** Whether the digits at i follow an IBAN's first group (`DE89 3704 ...`): the rest of an IBAN
 *  whose checksum failed is not a card number. */
function followsIbanPrefix(i: i32): bool {
  const s = ch(i - 1);
  if (!(s == 32 || s == 45)) return false;
  return isUpper(ch(i - 5)) && isUpper(ch(i - 4)) && isDigit(ch(i - 3)) && isDigit(ch(i - 2)) && !isWord(ch(i - 6));
}

/** 13-19 digits, optionally grouped by one kind of separator (space or dash), Luhn-valid.
 *  Issuer prefixes as Presidio: 1, 3, 4, 5[0-5], 6; a 13-digit number starting with 1 is a
 *  timestamp, not a card. Tries the longest group boundary first. */
export function matchCard(i: i32): i32 {
  const c0 = ch(i);
  if (!(c0 == 49 || c0 == 51 || c0 == 52 || c0 == 53 || c0 == 54)) return 0;
  if (c0 == 53 && digitAt(i + 1) > 5) return 0;
  if (followsIbanPrefix(i)) return 0;
  // Walk the digit groups; every place a group ends is a boundary a reader could stop at
  // (`4111111111111111 2024 12`: the card ends at the first space). Past 19 digits the walk
  // stops: the groups read so far still give candidate ends, so a card directly followed by
  // other numbers is not lost, and the work stays bounded however long the digit run is.
  let j = i, sep = 0, digits = 0, boundaries = 0, overrun = false;
  while (true) {
    const c = ch(j);
    if (isDigit(c)) { digits++; j++; if (digits > 19) { overrun = true; break; } continue; }
    if ((c == 32 || c == 45) && isDigit(ch(j + 1))) {
      if (sep == 0) sep = c; else if (c != sep) break;
      if (boundaries < 8) unchecked(cardEnds[boundaries++] = j);
      j++;
      continue;
    }
    break;
  }
  if (!overrun && !isWord(ch(j)) && boundaries < 8) unchecked(cardEnds[boundaries++] = j);
  for (let b = boundaries - 1; b >= 0; b--) {
    const end = unchecked(cardEnds[b]);
    const n = digitsIn(i, end);
    if (n < 13) break;
    if (n > 19) continue;
    if (n == 13 && c0 == 49) continue;
    if (luhnValid(i, end)) return end;
  }
  return 0;
}

/** Presidio's score of the SSN forms other than 3-2-4 with separators. */
const WEAK_SSN_SCORE: i32 = 50;

/** 3-2-4 with one kind of separator (- . space), and Presidio's weak forms 3-6 and 5-4.
 *  Rejects area 000 / 666 / 9xx, group 00, serial 0000 and one repeated digit. */
export function matchSsn(i: i32): i32 {
  const a = digitRun(i);
  let end = 0, weak = true;
  if (a == 3) {
    const s = ch(i + 3);
    if (!(s == 45 || s == 46 || s == 32)) return 0;
    const b = digitRun(i + 4);
    if (b == 2 && ch(i + 6) == s && digitRun(i + 7) == 4) { end = i + 11; weak = false; }
    else if (b == 6) end = i + 10;
    else return 0;
  } else if (a == 5) {
    const s = ch(i + 5);
    if (!(s == 45 || s == 46 || s == 32) || digitRun(i + 6) != 4) return 0;
    end = i + 10;
  } else if (a == 9) end = i + 9; // bare: weak, reported with a context word (social security, ssn)
  else return 0;
  if (isWord(ch(end))) return 0;
  // the nine digits, separators skipped
  let area = 0, group = 0, serial = 0, k = 0, first = -1;
  let allSame = true;
  for (let p = i; p < end; p++) {
    const c = ch(p);
    if (!isDigit(c)) continue;
    const d = c - 48;
    if (first < 0) first = d; else if (d != first) allSame = false;
    if (k < 3) area = area * 10 + d; else if (k < 5) group = group * 10 + d; else serial = serial * 10 + d;
    k++;
  }
  // area 9xx is never issued (ITINs live there)
  if (allSame || area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return 0;
  if (weak) scoreMatch(WEAK_SSN_SCORE);
  return end;
}

/** 10 digits as 3-3-4 (space or dash) or contiguous, NHS mod-11 check digit. */
export function matchNhs(i: i32): i32 {
  let end = 0;
  if (digitRun(i) == 10) end = i + 10;
  else if (digitRun(i) == 3) {
    const s = ch(i + 3);
    if (!(s == 32 || s == 45) || digitRun(i + 4) != 3 || ch(i + 7) != s || digitRun(i + 8) != 4) return 0;
    end = i + 12;
  } else return 0;
  if (isWord(ch(end))) return 0;
  let sum = 0, k = 0, check = 0;
  for (let p = i; p < end; p++) {
    const c = ch(p);
    if (!isDigit(c)) continue;
    if (k < 9) sum += (c - 48) * (10 - k); else check = c - 48;
    k++;
  }
  let expected = 11 - (sum % 11);
  if (expected == 11) expected = 0;
  return expected != 10 && expected == check ? end : 0;
}

const NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

/** Digits then an optional dash and the check letter (either case); returns the end or 0. */
function matchCheckLetter(i: i32, prefix: i32, minDigits: i32, maxDigits: i32): i32 {
  const n = digitRun(i);
  if (n < minDigits || n > maxDigits) return 0;
  let value: i64 = prefix;
  for (let p = i; p < i + n; p++) value = value * 10 + <i64>(ch(p) - 48);
  let j = i + n;
  if (ch(j) == 45) j++;
  const letter = ch(j);
  if (!isAlpha(letter) || isWord(ch(j + 1))) return 0;
  const expected = NIF_LETTERS.charCodeAt(<i32>(value % 23));
  return lower(letter) == (expected | 32) ? j + 1 : 0;
}

/** ES NIF (DNI): 7-8 digits, optional dash, check letter. */
export function matchNif(i: i32): i32 { return matchCheckLetter(i, 0, 7, 8); }

/** ES NIE: X/Y/Z (0/1/2), 7 digits, optional dash, check letter. */
export function matchNie(i: i32): i32 {
  const c = lower(ch(i));
  if (c < 120 || c > 122) return 0; // x y z
  return matchCheckLetter(i + 1, c - 120, 7, 7);
}
