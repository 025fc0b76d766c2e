// Ids that start with a letter (passports, licences, tax codes, plates, postcodes): Presidio's
// formats, scores and validators, letters in either case as
// Presidio's patterns (IGNORECASE). Each matcher is called at a word start and returns the end
// of the match (exclusive) or 0; scoreMatch() when the score differs from the type's base.
import { ch, isDigit, isWord, isAlpha, isAlnum, upper as up, digitRun } from "./text";
import { scoreMatch } from "./candidates";
import { validDate } from "./groups";

/** Start of the last match when it begins before the position it was found at (DE_KFZ). */
export let alnumMatchStart: i32 = 0;

// Tables and scratch space, allocated once (the runtime never frees).
const ICAO_WEIGHTS: StaticArray<i32> = [7, 3, 1];
const NRIC_WEIGHTS: StaticArray<i32> = [2, 7, 6, 5, 4, 3, 2];
const VAT_DIGITS = new StaticArray<i32>(9);

function letterRun(i: i32): i32 { let j = i; while (isAlpha(ch(j))) j++; return j - i; }
/** Letter value for ICAO / ISO check digits: 0-9 as is, A = 10 ... Z = 35. */
function icaoValue(c: i32): i32 { return isDigit(c) ? c - 48 : up(c) - 55; }
/** Whether upper-case letter c is in the set given as a string. */
function inSet(c: i32, set: string): bool {
  const u = up(c);
  for (let k = 0; k < set.length; k++) if (set.charCodeAt(k) == u) return true;
  return false;
}
/** ICAO 9303 check digit (weights 7 3 1) of [from, to) equals the digit at `to`. */
function icaoCheck(from: i32, to: i32): bool {
  let sum = 0;
  for (let p = from; p < to; p++) sum += icaoValue(ch(p)) * unchecked(ICAO_WEIGHTS[(p - from) % 3]);
  return sum % 10 == ch(to) - 48;
}

const DE_ID_CHARS = "CFGHJKLMNPRTVWXYZ";
/** DE Personalausweis: 9 characters, the last a 7-3-1 check digit (1.0); the old T + 8 digits (0.5). */
export function matchDeIdCard(i: i32): i32 {
  if (isWord(ch(i + 9))) return 0;
  for (let k = 0; k < 8; k++) {
    const c = ch(i + k);
    if (!(isDigit(c) || inSet(c, DE_ID_CHARS)) || (k == 0 && isDigit(c))) return 0;
  }
  if (!isDigit(ch(i + 8))) return 0;
  if (icaoCheck(i, i + 8)) return i + 9;
  if (up(ch(i)) == 84 && digitRun(i + 1) == 8) { scoreMatch(500); return i + 9; }
  return 0;
}

/** DE Reisepass: C F G H J K, 7 characters, a 7-3-1 check digit. */
export function matchDePassport(i: i32): i32 {
  if (!inSet(ch(i), "CFGHJK") || isWord(ch(i + 9))) return 0;
  for (let k = 1; k < 8; k++) {
    const c = ch(i + k);
    if (!(isDigit(c) || inSet(c, DE_ID_CHARS))) return 0;
  }
  return isDigit(ch(i + 8)) && icaoCheck(i, i + 8) ? i + 9 : 0;
}

/** DE Krankenversichertennummer: a letter and 9 digits; the letter as 01-26 and the first 8
 *  digits, weights 1 2, digit sums, mod 10 = the last digit. */
export function matchDeHealthInsurance(i: i32): i32 {
  if (!isAlpha(ch(i)) || digitRun(i + 1) != 9 || isWord(ch(i + 10))) return 0;
  const v = up(ch(i)) - 64;
  let sum = 0;
  for (let k = 0; k < 10; k++) {
    const d = k == 0 ? v / 10 : k == 1 ? v % 10 : ch(i + k - 1) - 48;
    let p = d * (k % 2 == 0 ? 1 : 2);
    if (p > 9) p = p / 10 + p % 10;
    sum += p;
  }
  return sum % 10 == ch(i + 9) - 48 ? i + 10 : 0;
}

/** DE USt-IdNr: DE and 9 digits (optionally grouped 3-3-3 by one separator), ISO 7064 MOD 11,10. */
export function matchDeVatId(i: i32): i32 {
  if (up(ch(i)) != 68 || up(ch(i + 1)) != 69) return 0;
  let j = i + 2;
  const s = ch(j);
  const sep = s == 32 || s == 45 || s == 46 ? s : 0;
  if (sep) j++;
  const digits = VAT_DIGITS;
  let n = 0;
  while (n < 9) {
    const c = ch(j);
    if (isDigit(c)) { unchecked(digits[n++] = c - 48); j++; continue; }
    if (sep != 0 && c == sep && (n == 3 || n == 6) && isDigit(ch(j + 1))) { j++; continue; }
    return 0;
  }
  if (isWord(ch(j)) || unchecked(digits[0]) == 0) return 0;
  let product = 10;
  for (let k = 0; k < 8; k++) {
    let sum = (unchecked(digits[k]) + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check == 10) check = 0;
  return check == unchecked(digits[8]) ? j : 0;
}

/** DE Handelsregister: HRA / HRB, a space, 1-6 digits. */
export function matchDeHandelsregister(i: i32): i32 {
  if (up(ch(i)) != 72 || up(ch(i + 1)) != 82) return 0;
  const t = up(ch(i + 2));
  if ((t != 65 && t != 66) || ch(i + 3) != 32) return 0;
  const n = digitRun(i + 4);
  if (n < 1 || n > 6 || isWord(ch(i + 4 + n))) return 0;
  return i + 4 + n;
}

/** DE Führerschein: 11 characters, letters or digits around 8 digits (weak). */
export function matchDeFuehrerschein(i: i32): i32 {
  if (!isAlnum(ch(i)) || !isAlnum(ch(i + 1)) || digitRun(i + 2) != 8) return 0;
  const c = ch(i + 10);
  if (!isAlnum(c) || isWord(ch(i + 11))) return 0;
  return i + 11;
}

/** DE Kfz-Kennzeichen seen from its letters group followed by digits: district (1-3 letters),
 *  letters (1-2), digits (1-4), optional E / H; space or dash between. Found at the district
 *  when it is followed by a dash, and from the middle group (looking back) when by a space. */
export function matchDeKfz(i: i32): i32 {
  const a = letterRun(i);
  if (a < 1 || a > 3) return 0;
  const s = ch(i + a);
  if (s == 45 || (s == 32 && isAlpha(ch(i + a + 1)))) {
    const end = kfzTail(i + a + 1, s);
    if (end) { alnumMatchStart = i; return end; }
  }
  // i is the middle group: the district is the word before
  if (a <= 2 && (s == 32 || s == 45) && isDigit(ch(i + a + 1))) {
    const p = ch(i - 1);
    if (p == 32 || p == 45) {
      let d = i - 1;
      while (d > 0 && isAlpha(ch(d - 1))) d--;
      const dl = i - 1 - d;
      if (dl >= 1 && dl <= 3 && !isWord(ch(d - 1))) {
        const end = kfzDigits(i + a + 1);
        if (end) { alnumMatchStart = d; return end; }
      }
    }
  }
  return 0;
}
function kfzTail(j: i32, sep: i32): i32 {
  const b = letterRun(j);
  if (b < 1 || b > 2 || ch(j + b) != sep) return 0;
  return kfzDigits(j + b + 1);
}
function kfzDigits(j: i32): i32 {
  const n = digitRun(j);
  if (n < 1 || n > 4) return 0;
  let end = j + n;
  const c = up(ch(end));
  if ((c == 69 || c == 72) && !isWord(ch(end + 1))) end++;
  return isWord(ch(end)) ? 0 : end;
}

/** ES pasaporte: 3 letters, 6 digits (weak 0.05). */
export function matchEsPassport(i: i32): i32 {
  if (letterRun(i) != 3 || digitRun(i + 3) != 6 || isWord(ch(i + 9))) return 0;
  return i + 9;
}

/** IN PAN: 5 letters (the 4th a holder type) 4 digits 1 letter (0.5); other letters 0.1; any
 *  10-character word of letters and digits 0.01. */
export function matchInPan(i: i32): i32 {
  if (isWord(ch(i + 10))) return 0;
  let letters = 0, digits = 0;
  for (let k = 0; k < 10; k++) {
    const c = ch(i + k);
    if (isAlpha(c)) letters++; else if (isDigit(c)) digits++; else return 0;
  }
  if (letters == 0 || digits == 0) return 0;
  if (letterRun(i) >= 5 && digitRun(i + 5) == 4 && isAlpha(ch(i + 9))) {
    scoreMatch(inSet(ch(i + 3), "ABCFGHLJPT") ? 500 : 100);
  } else scoreMatch(10);
  return i + 10;
}

/** IN passport: a letter, [1-9], a digit, optional space, 4 digits, [1-9] (0.1). */
export function matchInPassport(i: i32): i32 {
  if (!isAlpha(ch(i)) || isAlpha(ch(i + 1))) return 0;
  const c1 = ch(i + 1);
  if (!isDigit(c1) || c1 == 48 || !isDigit(ch(i + 2))) return 0;
  let j = i + 3;
  if (ch(j) == 32) j++;
  if (digitRun(j) != 5 || ch(j + 4) == 48 || isWord(ch(j + 5))) return 0;
  return j + 5;
}

/** IN voter id (EPIC): 3 letters, 7 digits. */
export function matchInVoter(i: i32): i32 {
  if (letterRun(i) != 3 || digitRun(i + 3) != 7 || isWord(ch(i + 10))) return 0;
  return i + 10;
}

const IN_STATES = " AN AP AR AS BR CG CH DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY RJ SK TG TN TR TS UK UP UA WB ";
/** IN vehicle registration: state code, district (1-2 digits), 1-3 letters, 4 digits: 1.0 with a
 *  known state and district up to 70, 0.5 beyond; 3 letters + 4 digits (old series) 0.2. */
export function matchInVehicle(i: i32): i32 {
  const a = letterRun(i);
  if (a == 3 && digitRun(i + 3) == 4 && !isWord(ch(i + 7))) { scoreMatch(200); return i + 7; }
  if (a != 2) return 0;
  const d = digitRun(i + 2);
  if (d < 1 || d > 2) return 0;
  const l = letterRun(i + 2 + d);
  if (l < 1 || l > 3) return 0;
  const j = i + 2 + d + l;
  if (digitRun(j) != 4 || isWord(ch(j + 4))) return 0;
  const c0 = up(ch(i)), c1 = up(ch(i + 1));
  let known = false;
  for (let k = 1; k + 1 < IN_STATES.length; k += 3) {
    if (IN_STATES.charCodeAt(k) == c0 && IN_STATES.charCodeAt(k + 1) == c1) { known = true; break; }
  }
  if (!known) return 0;
  const district = d == 1 ? ch(i + 2) - 48 : (ch(i + 2) - 48) * 10 + ch(i + 3) - 48;
  scoreMatch(district >= 1 && district <= 70 ? 1000 : 500);
  return j + 4;
}

const IT_MONTHS = "ABCDEHLMPRST";
const IT_ODD: StaticArray<i32> = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
/** IT codice fiscale: 6 letters, 2 digits, month letter, 2 digits (day, +40 for women), a
 *  letter and 3 digits, the check letter (1.0 when it checks, 0.3 otherwise). */
export function matchItFiscalCode(i: i32): i32 {
  if (letterRun(i) != 6 || digitRun(i + 6) != 2 || !inSet(ch(i + 8), IT_MONTHS) || digitRun(i + 9) != 2) return 0;
  if (!isAlpha(ch(i + 11)) || digitRun(i + 12) != 3 || !isAlpha(ch(i + 15)) || isWord(ch(i + 16))) return 0;
  let day = (ch(i + 9) - 48) * 10 + ch(i + 10) - 48;
  if (day > 40) day -= 40;
  if (day < 1 || day > 31) return 0;
  let sum = 0;
  for (let k = 0; k < 15; k++) {
    const c = ch(i + k);
    const v = isDigit(c) ? c - 48 : up(c) - 65;
    sum += k % 2 == 0 ? unchecked(IT_ODD[v]) : v;
  }
  scoreMatch(65 + sum % 26 == up(ch(i + 15)) ? 1000 : 300);
  return i + 16;
}

/** IT carta d'identità: 2 letters, optional space, 7 digits; or CA + 5 digits + 2 letters (weak). */
export function matchItIdentityCard(i: i32): i32 {
  if (letterRun(i) != 2) return 0;
  let j = i + 2;
  if (ch(j) == 32) j++;
  if (digitRun(j) == 7 && !isWord(ch(j + 7))) return j + 7;
  if (j == i + 2 && up(ch(i)) == 67 && up(ch(i + 1)) == 65 && digitRun(j) == 5 && letterRun(j + 5) == 2 && !isWord(ch(j + 7))) return j + 7;
  return 0;
}

/** IT passaporto: 2 letters, 7 digits (weak). */
export function matchItPassport(i: i32): i32 {
  if (letterRun(i) != 2 || digitRun(i + 2) != 7 || isWord(ch(i + 9))) return 0;
  return i + 9;
}

/** IT patente: 2 letters, 7 digits, a letter (weak). */
export function matchItDriverLicense(i: i32): i32 {
  if (letterRun(i) != 2 || digitRun(i + 2) != 7 || !isAlpha(ch(i + 9)) || isWord(ch(i + 10))) return 0;
  return i + 10;
}

/** KR passport: M S R O D G + 3 digits + letter + 4 digits (0.1), or + 8 digits (0.05). */
export function matchKrPassport(i: i32): i32 {
  if (!inSet(ch(i), "MSRODG") || digitRun(i + 1) < 3) return 0;
  if (digitRun(i + 1) == 8 && !isWord(ch(i + 9))) { scoreMatch(50); return i + 9; }
  if (digitRun(i + 1) == 3 && isAlpha(ch(i + 4)) && digitRun(i + 5) == 4 && !isWord(ch(i + 9))) return i + 9;
  return 0;
}

/** DEA registration (MEDICAL_LICENSE): 2 letters (or a letter and 9), 7 digits, the last a check
 *  digit of the first six. */
export function matchMedicalLicense(i: i32): i32 {
  if (!inSet(ch(i), "ABCDEFGHJKLMPRSTUX")) return 0;
  const c1 = ch(i + 1);
  if (!(isAlpha(c1) || c1 == 57) || digitRun(i + 2) != 7 || isWord(ch(i + 9))) return 0;
  const p = i + 2;
  const sum = ch(p) + ch(p + 2) + ch(p + 4) - 144 + 2 * (ch(p + 1) + ch(p + 3) + ch(p + 5) - 144);
  return sum % 10 == ch(p + 6) - 48 ? i + 9 : 0;
}

/** NG vehicle plate: 3 letters - 3 digits 2 letters. */
export function matchNgVehicle(i: i32): i32 {
  if (letterRun(i) != 3 || ch(i + 3) != 45 || digitRun(i + 4) != 3 || letterRun(i + 7) != 2 || isWord(ch(i + 9))) return 0;
  return i + 9;
}

const SG_ST = "JZIHGFEDCBA";
const SG_FG = "XWUTRQPNMLK";
/** SG NRIC / FIN: S T F G M + 7 digits + check letter (0.5 with a valid check letter), any
 *  letter + 7 digits + letter (0.3). */
export function matchSgNric(i: i32): i32 {
  if (!isAlpha(ch(i)) || digitRun(i + 1) != 7 || !isAlpha(ch(i + 8)) || isWord(ch(i + 9))) return 0;
  const p = up(ch(i));
  if (p == 83 || p == 84 || p == 70 || p == 71) {
    let sum = p == 84 || p == 71 ? 4 : 0;
    for (let k = 0; k < 7; k++) sum += (ch(i + 1 + k) - 48) * unchecked(NRIC_WEIGHTS[k]);
    const table = p == 83 || p == 84 ? SG_ST : SG_FG;
    scoreMatch(table.charCodeAt(sum % 11) == up(ch(i + 8)) ? 1000 : 300);
  } else scoreMatch(300);
  return i + 9;
}

/** SG UEN, the letter form: T / S / R, 2 digits (year), 2 letters (entity type), 4 digits, a letter. */
export function matchSgUenLetters(i: i32): i32 {
  if (!inSet(ch(i), "TSR") || digitRun(i + 1) != 2 || letterRun(i + 3) != 2 || digitRun(i + 5) != 4) return 0;
  if (!isAlpha(ch(i + 9)) || isWord(ch(i + 10))) return 0;
  return i + 10;
}

/** UK driving licence: 5 of surname (9 pads), decade, month (+5 for women), day, year, 2
 *  initials (9 pads), a digit, 2 letters. */
export function matchUkDrivingLicence(i: i32): i32 {
  for (let k = 0; k < 5; k++) { const c = ch(i + k); if (!(isAlpha(c) || c == 57)) return 0; }
  if (!isAlpha(ch(i)) || digitRun(i + 5) != 6 || isWord(ch(i + 16))) return 0;
  const m1 = ch(i + 6) - 48;
  if (!(m1 == 0 || m1 == 1 || m1 == 5 || m1 == 6)) return 0;
  const month = (m1 % 5) * 10 + ch(i + 7) - 48, day = (ch(i + 8) - 48) * 10 + ch(i + 9) - 48;
  if (!validDate(2000, month, day)) return 0;
  for (let k = 11; k < 13; k++) { const c = ch(i + k); if (!(isAlpha(c) || c == 57)) return 0; }
  if (!isDigit(ch(i + 13)) || letterRun(i + 14) != 2) return 0;
  return i + 16;
}

/** UK NINO: 2 prefix letters (not D F I Q U V; O not second; not BG GB NK KN NT TN ZZ), 6
 *  digits (single spaces allowed between), suffix A-D. */
export function matchUkNino(i: i32): i32 {
  const a = up(ch(i)), b = up(ch(i + 1));
  if (!isAlpha(a) || !isAlpha(b) || inSet(a, "DFIQUV") || inSet(b, "DFIQUVO")) return 0;
  const pair = a * 256 + b;
  if (pair == 0x4247 || pair == 0x4742 || pair == 0x4e4b || pair == 0x4b4e || pair == 0x4e54 || pair == 0x544e || pair == 0x5a5a) return 0;
  let j = i + 2, n = 0;
  while (n < 6) {
    if (ch(j) == 32 && isDigit(ch(j + 1))) j++;
    if (!isDigit(ch(j))) return 0;
    j++; n++;
  }
  if (ch(j) == 32 && isAlpha(ch(j + 1))) j++;
  const s = up(ch(j));
  if (s < 65 || s > 68 || isWord(ch(j + 1))) return 0;
  return j + 1;
}

/** UK passport: 2 letters, 7 digits (weak 0.1). */
export function matchUkPassport(i: i32): i32 {
  if (letterRun(i) != 2 || digitRun(i + 2) != 7 || isWord(ch(i + 9))) return 0;
  return i + 9;
}

/** UK postcode: outward (area 1-2 letters, district digit + optional digit or letter), optional
 *  space, inward (digit + 2 letters not C I K M O V); area letters not Q V X first, not I J Z second. */
export function matchUkPostcode(i: i32): i32 {
  const a = letterRun(i);
  if (a < 1 || a > 2 || inSet(ch(i), "QVX") || (a == 2 && inSet(ch(i + 1), "IJZ"))) return 0;
  const d = i + a;
  if (!isDigit(ch(d))) return 0;
  // the outward code is 1-2 characters after the area; try the longer one first
  for (let extra = 1; extra >= 0; extra--) {
    let j = d + 1;
    if (extra == 1) { if (!isAlnum(ch(j))) continue; j++; }
    if (ch(j) == 32) j++;
    if (!isDigit(ch(j)) || !inward(ch(j + 1)) || !inward(ch(j + 2)) || isWord(ch(j + 3))) continue;
    return j + 3;
  }
  return 0;
}
@inline function inward(c: i32): bool { return isAlpha(c) && !inSet(c, "CIKMOV"); }

/** UK vehicle registration: current (AB51 ABC, 0.3; age id 02-29 / 51-79 makes it 1.0, another
 *  rejects it), prefix (A123 BCD, 0.2), suffix (ABC 123D, 0.15). */
export function matchUkVehicle(i: i32): i32 {
  const a = letterRun(i);
  if (a == 2 && inSet(ch(i), "ABCDEFGHJKLMNOPRSTUVWXY") && inSet(ch(i + 1), "ABCDEFGHJKLMNOPRSTUVWXY") && digitRun(i + 2) == 2) {
    let j = i + 4;
    if (ch(j) == 32 || ch(j) == 45) j++;
    if (letterRun(j) == 3 && !isWord(ch(j + 3)) && !inSet(ch(j), "IQ") && !inSet(ch(j + 1), "IQ") && !inSet(ch(j + 2), "IQ")) {
      const age = (ch(i + 2) - 48) * 10 + ch(i + 3) - 48;
      if ((age >= 2 && age <= 29) || (age >= 51 && age <= 79)) { scoreMatch(1000); return j + 3; }
      return 0;
    }
  }
  if (a == 1 && inSet(ch(i), "ABCDEFGHJKLMNPRSTVWXY")) {
    const n = digitRun(i + 1);
    if (n >= 1 && n <= 3) {
      let j = i + 1 + n;
      if (ch(j) == 32 || ch(j) == 45) j++;
      if (letterRun(j) == 3 && !isWord(ch(j + 3)) && inSet(ch(j), "ABCDEFGHJKLMNOPRSTUVWXY") && !inSet(ch(j + 1), "IQ") && !inSet(ch(j + 2), "IQ")) {
        scoreMatch(200);
        return j + 3;
      }
    }
  }
  if (a == 3 && !inSet(ch(i), "IQ") && !inSet(ch(i + 1), "IQ") && !inSet(ch(i + 2), "IQ")) {
    let j = i + 3;
    if (ch(j) == 32 || ch(j) == 45) j++;
    const n = digitRun(j);
    if (n >= 1 && n <= 3) {
      j += n;
      if (ch(j) == 32 || ch(j) == 45) j++;
      if (isAlpha(ch(j)) && !isWord(ch(j + 1)) && inSet(ch(j), "ABCDEFGHJKLMNPRSTVWXY")) { scoreMatch(150); return j + 1; }
    }
  }
  return 0;
}

/** US passport, the letter form: a letter and 8 digits (0.1). */
export function matchUsPassportLetter(i: i32): i32 {
  if (!isAlpha(ch(i)) || digitRun(i + 1) != 8 || isWord(ch(i + 9))) return 0;
  return i + 9;
}

/** US driver's licence, the commonest state shapes: a letter and 7, 8, 12 or 13 digits (weak). */
export function matchUsDriverLicense(i: i32): i32 {
  if (!isAlpha(ch(i))) return 0;
  const n = digitRun(i + 1);
  if (!(n == 7 || n == 12 || n == 13) || isWord(ch(i + 1 + n))) return 0;
  return i + 1 + n;
}

const MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY";
@inline function mbiLetter(c: i32): bool { return isAlpha(c) && inSet(c, MBI_LETTERS); }
/** US Medicare Beneficiary Identifier: C A AN N A AN N A A N N (no S L O I B Z), 11 characters. */
export function matchUsMbi(i: i32): i32 {
  const c0 = ch(i);
  if (!isDigit(c0) || c0 == 48 || isWord(ch(i + 11))) return 0;
  if (!mbiLetter(ch(i + 1)) || !(mbiLetter(ch(i + 2)) || isDigit(ch(i + 2))) || !isDigit(ch(i + 3))) return 0;
  if (!mbiLetter(ch(i + 4)) || !(mbiLetter(ch(i + 5)) || isDigit(ch(i + 5))) || !isDigit(ch(i + 6))) return 0;
  if (!mbiLetter(ch(i + 7)) || !mbiLetter(ch(i + 8)) || !isDigit(ch(i + 9)) || !isDigit(ch(i + 10))) return 0;
  return i + 11;
}

/** DE Kfz: where the last match started (see matchDeKfz). */
export function kfzStart(): i32 { return alnumMatchStart; }
