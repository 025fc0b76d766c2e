// National ids, tax and bank numbers that start with a digit, each with its check where the
// format has one (Presidio's recognizers: formats, scores and validators). Called at the start
// of a digit word; each returns the end of the match (exclusive) or 0, and scoreMatch() when the
// score differs from the type's base (entities.ts).
import { ch, isDigit, isWord, isAlpha, isUpper, lower, digitRun } from "./text";
import { scoreMatch } from "./candidates";
import {
  layoutEnd, runEnd, dig, nDigits, luhn, weighted, verhoeff, validDate,
  SEP_SPACE, SEP_DASH,
} from "./groups";

const SD: i32 = SEP_SPACE | SEP_DASH;
// Tables and scratch space, allocated once: the module's runtime never frees (a literal array
// inside a matcher would allocate on every call).
const ABN_WEIGHTS: StaticArray<i32> = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
const SV_WEIGHTS: StaticArray<i32> = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
const TAX_ID_COUNTS = new StaticArray<i32>(10);
const SV_DIGITS = new StaticArray<i32>(12);

/** ABA routing number: 9 digits (or 4-4-1 with dashes), first digit 0-3 or 6-8, weights 3 7 1. */
export function matchAba(i: i32): i32 {
  const end = layoutEnd(i, "441", SEP_DASH);
  if (!end || nDigits < 9) return 0;
  const f = dig(0);
  if (f == 4 || f == 5 || f == 9) return 0;
  return weighted("371371371", 0) % 10 == 0 ? end : 0;
}

/** AU ABN: 11 digits (2 3 3 3), first digit minus one, weights 10 1 3 5 ... 19, mod 89. */
export function matchAuAbn(i: i32): i32 {
  const end = layoutEnd(i, "2333", SEP_SPACE);
  if (!end) return 0;
  let sum = (dig(0) - 1) * 10;
  for (let k = 1; k < 11; k++) sum += dig(k) * unchecked(ABN_WEIGHTS[k]);
  return sum % 89 == 0 ? end : 0;
}

/** AU ACN: 9 digits (3 3 3), weights 8..1, complement of the sum mod 10. */
export function matchAuAcn(i: i32): i32 {
  const end = layoutEnd(i, "333", SEP_SPACE);
  if (!end) return 0;
  return (10 - weighted("87654321", 0) % 10) % 10 == dig(8) ? end : 0;
}

/** AU TFN: 9 digits (3 3 3), weights 1 4 3 7 5 8 6 9 10, mod 11. */
export function matchAuTfn(i: i32): i32 {
  const end = layoutEnd(i, "333", SEP_SPACE);
  if (!end) return 0;
  return (weighted("14375869", 0) + dig(8) * 10) % 11 == 0 ? end : 0;
}

/** AU Medicare: 10 digits (4 5 1), first 2-6, weights 1 3 7 9 1 3 7 9, the 9th digit. */
export function matchAuMedicare(i: i32): i32 {
  const end = layoutEnd(i, "451", SEP_SPACE);
  if (!end || dig(0) < 2 || dig(0) > 6) return 0;
  return weighted("13791379", 0) % 10 == dig(8) ? end : 0;
}

/** CA SIN: 9 digits, Luhn, not starting with 0 or 8; 3-3-3 grouped scores 0.5, a bare run 0.3. */
export function matchCaSin(i: i32): i32 {
  const end = layoutEnd(i, "333", SD);
  if (!end || dig(0) == 0 || dig(0) == 8 || !luhn(0, 9)) return 0;
  if (end - i == 9) scoreMatch(300);
  return end;
}

/** DE Steuer-ID: 11 digits, first not 0, one digit repeated 2-3 times in the first ten, ISO
 *  7064 MOD 11,10 check digit. */
export function matchDeTaxId(i: i32): i32 {
  const end = runEnd(i, 11);
  if (!end || dig(0) == 0) return 0;
  const counts = TAX_ID_COUNTS;
  for (let d = 0; d < 10; d++) unchecked(counts[d] = 0);
  for (let k = 0; k < 10; k++) unchecked(counts[dig(k)]++);
  let repeated = 0;
  for (let d = 0; d < 10; d++) {
    const n = unchecked(counts[d]);
    if (n > 3) return 0;
    if (n > 1) repeated++;
  }
  if (repeated != 1) return 0;
  let product = 10;
  for (let k = 0; k < 10; k++) {
    let sum = (dig(k) + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check == 10) check = 0;
  return check == dig(10) ? end : 0;
}

/** DE LANR (physician number): 6 digits, check digit (weights 4 9), 2-digit speciality. */
export function matchDeLanr(i: i32): i32 {
  const end = runEnd(i, 9);
  if (!end) return 0;
  return (10 - weighted("494949", 0) % 10) % 10 == dig(6) ? end : 0;
}

/** DE BSNR (practice number): 9 digits, a region prefix 01-99; no public check (weak, 0.2). */
export function matchDeBsnr(i: i32): i32 {
  const end = runEnd(i, 9);
  if (!end || (dig(0) == 0 && dig(1) == 0)) return 0;
  return end;
}

/** DE PLZ: 5 digits 01001-99998 (weak: a postcode needs a context word). */
export function matchDePlz(i: i32): i32 {
  const end = runEnd(i, 5);
  if (!end) return 0;
  const v = dig(0) * 10000 + dig(1) * 1000 + dig(2) * 100 + dig(3) * 10 + dig(4);
  return v >= 1001 && v <= 99998 && v != 1000 ? end : 0;
}

/** DE Steuernummer: 13 digits, or the state forms 2-3/3-3/3-4/4 with slashes (weak). */
export function matchDeTaxNumber(i: i32): i32 {
  let end = runEnd(i, 13);
  if (end) return end;
  const a = digitRun(i);
  if ((a != 2 && a != 3) || ch(i + a) != 47) return 0;
  const b = digitRun(i + a + 1);
  if (b != 3 && b != 4) return 0;
  let j = i + a + 1 + b;
  if (ch(j) != 47) return 0;
  const c = digitRun(j + 1);
  if (c < 4 || c > 5) return 0;
  end = j + 1 + c;
  return isWord(ch(end)) ? 0 : end;
}

/** TR T.C. Kimlik No: 11 digits, first not 0, two check digits. */
export function matchTrNationalId(i: i32): i32 {
  const end = runEnd(i, 11);
  if (!end || dig(0) == 0) return 0;
  const odd = dig(0) + dig(2) + dig(4) + dig(6) + dig(8);
  const even = dig(1) + dig(3) + dig(5) + dig(7);
  if (((odd * 7 - even) % 10 + 10) % 10 != dig(9)) return 0;
  let sum = 0;
  for (let k = 0; k < 10; k++) sum += dig(k);
  return sum % 10 == dig(10) ? end : 0;
}

/** NG NIN: 11 digits, Verhoeff. */
export function matchNgNin(i: i32): i32 {
  const end = runEnd(i, 11);
  return end && verhoeff(11) ? end : 0;
}

/** IN Aadhaar: 12 digits (4 4 4), first 2-9, Verhoeff, not a palindrome. */
export function matchInAadhaar(i: i32): i32 {
  const end = layoutEnd(i, "444", SD);
  if (!end || dig(0) < 2 || !verhoeff(12)) return 0;
  let palindrome = true;
  for (let k = 0; k < 6; k++) if (dig(k) != dig(11 - k)) { palindrome = false; break; }
  return palindrome ? 0 : end;
}

/** PL PESEL: 11 digits, a birth date (month +20/+40/+60/+80 by century), weights 1 3 7 9. */
export function matchPlPesel(i: i32): i32 {
  const end = runEnd(i, 11);
  if (!end) return 0;
  const month = (dig(2) * 10 + dig(3)) % 20, day = dig(4) * 10 + dig(5);
  if (!validDate(2000, month, day)) return 0;
  return (10 - weighted("1379137913", 0) % 10) % 10 == dig(10) ? end : 0;
}

/** KR RRN / FRN: YYMMDD-NNNNNNN (or 13 digits); the 7th digit 1-4 (RRN; 9 and 0 for births
 *  before 1900) or 5-8 (FRN); a birth date; the check digit raises the score from 0.5 to 1. */
function koreanId(i: i32, foreign: bool): i32 {
  const end = layoutEnd(i, "67", SEP_DASH);
  if (!end) return 0;
  const g = dig(6);
  if (foreign ? (g < 5 || g > 8) : !((g >= 1 && g <= 4) || g == 9 || g == 0)) return 0;
  const month = dig(2) * 10 + dig(3), day = dig(4) * 10 + dig(5);
  if (!validDate(2000, month, day)) return 0;
  const check = (11 - weighted("234567892345", 0) % 11) % 10;
  scoreMatch(check == dig(12) ? 1000 : 500);
  return end;
}
export function matchKrRrn(i: i32): i32 { return koreanId(i, false); }
export function matchKrFrn(i: i32): i32 { return koreanId(i, true); }

/** KR business registration number: 3-2-5 (dashes) or 10 digits, check digit. */
export function matchKrBrn(i: i32): i32 {
  const end = layoutEnd(i, "325", SEP_DASH);
  if (!end) return 0;
  const sum = weighted("137137135", 0) + (dig(8) * 5) / 10;
  return (10 - sum % 10) % 10 == dig(9) ? end : 0;
}

/** KR driver's licence: RR-YY-NNNNNN-CC, region 11-26 or 28. */
export function matchKrDriverLicense(i: i32): i32 {
  const end = layoutEnd(i, "2262", SEP_DASH);
  if (!end) return 0;
  const region = dig(0) * 10 + dig(1);
  return (region >= 11 && region <= 26) || region == 28 ? end : 0;
}

/** TH national id: 13 digits, province digits, mod-11 check digit. */
export function matchThTnin(i: i32): i32 {
  const end = runEnd(i, 13);
  if (!end || dig(0) == 0) return 0;
  const a = dig(1), b = dig(2);
  let ok = false;
  if (a == 1 || a == 3 || a == 4) ok = true;
  else if (a == 2 || a == 5) ok = b <= 7 && b != 2;
  else if (a == 6 || a == 7) ok = b <= 7;
  else if (a == 8 || a == 9) ok = b <= 6;
  if (!ok) return 0;
  const x = weighted(";:98765432", 2) + dig(0) * 13 + dig(1) * 12;
  return (11 - x % 11) % 10 == dig(12) ? end : 0;
}

/** ZA ID number: YYMMDD SSSS C A Z, a birth date, citizenship 0-2, Luhn. */
export function matchZaId(i: i32): i32 {
  const end = runEnd(i, 13);
  if (!end) return 0;
  const yy = dig(0) * 10 + dig(1);
  if (!validDate(yy <= 30 ? 2000 + yy : 1900 + yy, dig(2) * 10 + dig(3), dig(4) * 10 + dig(5))) return 0;
  if (dig(10) > 2) return 0;
  return luhn(0, 13) ? end : 0;
}

/** SE personnummer: YYYYMMDD-NNNN, YYMMDD-NNNN or the 12/10 digits; a date (day + 60 for
 *  coordination numbers), Luhn over the last ten digits. */
export function matchSePersonnummer(i: i32): i32 {
  let end = layoutEnd(i, "84", SEP_DASH);
  let off = 2;
  if (!end) { end = layoutEnd(i, "64", SEP_DASH); off = 0; }
  if (!end || nDigits < 10) return 0;
  if (off == 2 && !((dig(0) == 1 && (dig(1) == 8 || dig(1) == 9)) || (dig(0) == 2 && dig(1) == 0))) return 0;
  const y = off == 2 ? dig(0) * 1000 + dig(1) * 100 + dig(2) * 10 + dig(3) : 2000 + dig(0) * 10 + dig(1);
  let day = dig(off + 4) * 10 + dig(off + 5);
  if (day > 60) day -= 60;
  if (!validDate(y, dig(off + 2) * 10 + dig(off + 3), day)) return 0;
  return luhn(off, off + 10) ? end : 0;
}

/** SE organisationsnummer: NNNNNN-NNNN or 10 digits, third digit >= 2, Luhn. */
export function matchSeOrganisationsnummer(i: i32): i32 {
  const end = layoutEnd(i, "64", SEP_DASH);
  if (!end || dig(2) < 2) return 0;
  return luhn(0, 10) ? end : 0;
}

const FI_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY";
/** FI henkilötunnus: DDMMYY, century sign (- + A-F U-Y), 3 digits, check character (mod 31). */
export function matchFiPersonalCode(i: i32): i32 {
  if (digitRun(i) != 6) return 0;
  const sign = ch(i + 6);
  const s = lower(sign);
  if (!(sign == 45 || sign == 43 || (s >= 97 && s <= 102) || (s >= 117 && s <= 121))) return 0;
  if (digitRun(i + 7) != 3 && !(digitRun(i + 7) == 4)) return 0;
  const c = ch(i + 10);
  if (!(isDigit(c) || isAlpha(c)) || isWord(ch(i + 11))) return 0;
  let n: i64 = 0;
  for (let p = i; p < i + 6; p++) n = n * 10 + <i64>(ch(p) - 48);
  for (let p = i + 7; p < i + 10; p++) n = n * 10 + <i64>(ch(p) - 48);
  const day = (ch(i) - 48) * 10 + ch(i + 1) - 48, month = (ch(i + 2) - 48) * 10 + ch(i + 3) - 48;
  if (!validDate(2000, month, day)) return 0;
  const expected = FI_CHECK.charCodeAt(<i32>(n % 31));
  return (isUpper(c) ? c : isDigit(c) ? c : c - 32) == expected ? i + 11 : 0;
}

/** US NPI: 10 digits starting 1 or 2, Luhn with the 80840 prefix. */
export function matchUsNpi(i: i32): i32 {
  const end = layoutEnd(i, "46", SEP_SPACE | SEP_DASH);
  if (!end || (dig(0) != 1 && dig(0) != 2)) return 0;
  // 80840 contributes 24 to the Luhn sum of the full 15 digits
  let sum = 24, double = false;
  for (let k = 9; k >= 0; k--) {
    let d = dig(k);
    if (double) { d <<= 1; if (d > 9) d -= 9; }
    sum += d; double = !double;
  }
  return sum % 10 == 0 ? end : 0;
}

/** US bank account number: 8-17 digits (very weak). */
export function matchUsBankNumber(i: i32): i32 {
  const n = digitRun(i);
  if (n < 8 || n > 17 || isWord(ch(i + n))) return 0;
  return i + n;
}

/** US ITIN: 9NN-GG-NNNN with group 50-65, 70-88, 90-92, 94-99; the 3-2-4 form with separators
 *  scores 0.5, a bare run 0.3, the 3-6 / 5-4 forms 0.05. */
export function matchUsItin(i: i32): i32 {
  if (ch(i) != 57) return 0;
  let end = 0, score = 500;
  const a = digitRun(i);
  if (a == 9) { end = i + 9; score = 300; }
  else if (a == 3) {
    const s = ch(i + 3);
    if (!(s == 45 || s == 32)) return 0;
    const b = digitRun(i + 4);
    if (b == 2 && ch(i + 6) == s && digitRun(i + 7) == 4) end = i + 11;
    else if (b == 6) { end = i + 10; score = 50; }
    else return 0;
  } else if (a == 5) {
    const s = ch(i + 5);
    if (!(s == 45 || s == 32) || digitRun(i + 6) != 4) return 0;
    end = i + 10; score = 50;
  } else return 0;
  if (isWord(ch(end))) return 0;
  let k = 0, group = 0;
  for (let p = i; p < end && k < 5; p++) {
    const c = ch(p);
    if (!isDigit(c)) continue;
    if (k >= 3) group = group * 10 + c - 48;
    k++;
  }
  if (!((group >= 50 && group <= 65) || (group >= 70 && group <= 88) || (group >= 90 && group <= 92) || group >= 94)) return 0;
  scoreMatch(score);
  return end;
}

/** US passport: 9 digits (weak 0.05; the letter form is in alnum.ts). */
export function matchUsPassportDigits(i: i32): i32 { return runEnd(i, 9); }

/** IT partita IVA: 11 digits, not all zero, Luhn-style check. */
export function matchItVat(i: i32): i32 {
  const end = runEnd(i, 11);
  if (!end) return 0;
  let zero = true;
  for (let k = 0; k < 11; k++) if (dig(k) != 0) { zero = false; break; }
  return !zero && luhn(0, 11) ? end : 0;
}

/** PH TIN: NNN-NNN-NNN(-NNN) (0.6) or 9 / 12 digits (0.3); the 9th digit is the weighted
 *  (9..2) sum of the first eight mod 11. */
export function matchPhTin(i: i32): i32 {
  let end = layoutEnd(i, "3333", SEP_DASH);
  if (!end) end = layoutEnd(i, "333", SEP_DASH);
  if (!end) { end = runEnd(i, 12); if (!end) end = runEnd(i, 9); if (end) scoreMatch(300); }
  if (!end) return 0;
  return weighted("98765432", 0) % 11 == dig(8) ? end : 0;
}

/** DE Sozialversicherungsnummer: area (2 digits), DDMMYY, initial letter, serial (2), check. */
export function matchDeSocialSecurity(i: i32): i32 {
  if (digitRun(i) != 8) return 0;
  const letter = ch(i + 8);
  if (!isAlpha(letter) || digitRun(i + 9) != 3 || isWord(ch(i + 12))) return 0;
  const day = (ch(i + 2) - 48) * 10 + ch(i + 3) - 48, month = (ch(i + 4) - 48) * 10 + ch(i + 5) - 48;
  if (!validDate(2000, month, day)) return 0;
  const v = (letter | 32) - 96; // A = 01
  const d = SV_DIGITS;
  for (let k = 0; k < 8; k++) unchecked(d[k] = ch(i + k) - 48);
  unchecked(d[8] = v / 10); unchecked(d[9] = v % 10);
  unchecked(d[10] = ch(i + 9) - 48); unchecked(d[11] = ch(i + 10) - 48);
  let sum = 0;
  for (let k = 0; k < 12; k++) {
    const p = unchecked(d[k]) * unchecked(SV_WEIGHTS[k]);
    sum += p / 10 + p % 10;
  }
  return sum % 10 == ch(i + 11) - 48 ? i + 12 : 0;
}

/** IN GSTIN: state 01-37, a PAN, entity code, `Z`, check character. */
export function matchInGstin(i: i32): i32 {
  if (digitRun(i) != 2) return 0;
  const state = (ch(i) - 48) * 10 + ch(i + 1) - 48;
  if (state < 1 || state > 37) return 0;
  const p = i + 2;
  for (let k = 0; k < 5; k++) if (!isAlpha(ch(p + k))) return 0;
  for (let k = 5; k < 9; k++) if (!isDigit(ch(p + k))) return 0;
  if (!isAlpha(ch(p + 9))) return 0;
  const e = ch(p + 10);
  if (!(isAlpha(e) || (isDigit(e) && e != 48))) return 0;
  if (lower(ch(p + 11)) != 122) return 0;
  const c = ch(p + 12);
  if (!(isAlpha(c) || isDigit(c)) || isWord(ch(p + 13))) return 0;
  return p + 13;
}

/** TR licence plate: province 01-81, 1-3 letters, 2-4 digits, single spaces. */
export function matchTrPlate(i: i32): i32 {
  if (digitRun(i) != 2 || ch(i + 2) != 32) return 0;
  const province = (ch(i) - 48) * 10 + ch(i + 1) - 48;
  if (province < 1 || province > 81) return 0;
  let j = i + 3;
  while (isAlpha(ch(j)) && j - i - 3 < 4) j++;
  const letters = j - i - 3;
  if (letters < 1 || letters > 3 || ch(j) != 32) return 0;
  const n = digitRun(j + 1);
  if (n < 2 || n > 4 || isWord(ch(j + 1 + n))) return 0;
  return j + 1 + n;
}

/** SG UEN, the digit forms: NNNNNNNNX (business) and YYYYNNNNNX (local company). */
export function matchSgUenDigits(i: i32): i32 {
  const n = digitRun(i);
  if ((n != 8 && n != 9) || !isAlpha(ch(i + n)) || isWord(ch(i + n + 1))) return 0;
  return i + n + 1;
}

