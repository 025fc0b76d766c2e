// Phone numbers, shaped after libphonenumber's common formats (not its per-region metadata):
//  - international: `+` country code, then digit groups separated by one space, dash or dot,
//    or a parenthesised area code; 8-15 digits in all (E.164 allows 15);
//  - North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, with an optional 1-3 digit
//    country prefix (`1-800-...`, `91-415-...`), N = 2-9;
//  - national with a trunk 0: 0 + 1-3 digit area code, separator, 6-8 digits (`09-7625400`).
import { ch, isDigit, isWord, digitRun } from "./text";
import { scoreMatch } from "./candidates";

@inline function isSep(c: i32): bool { return c == 32 || c == 45 || c == 46; }

/** `+` at i; returns the end or 0. */
export function matchInternational(i: i32): i32 {
  if (!isDigit(ch(i + 1)) || ch(i + 1) == 48) return 0;
  let j = i + 1, digits = 0, end = 0;
  while (true) {
    const c = ch(j);
    if (isDigit(c)) {
      const n = digitRun(j);
      digits += n; j += n; end = j;
      if (digits > 15) return 0;
    } else if (c == 40 && digits > 0 && isDigit(ch(j + 1))) { // "(" area ")"
      const n = digitRun(j + 1);
      if (ch(j + 1 + n) != 41) break;
      digits += n; j += n + 2; end = j;
      if (ch(j) == 32 && isDigit(ch(j + 1))) j++;
      continue;
    } else break;
    const s = ch(j);
    if (isSep(s) && (isDigit(ch(j + 1)) || ch(j + 1) == 40)) { j++; continue; }
    break;
  }
  if (digits < 8 || isWord(ch(end))) return 0;
  return end;
}

/** NXX-NXX-XXXX or (NXX) NXX-XXXX at i. */
function matchNanpAt(i: i32): i32 {
  let j = i;
  if (ch(j) == 40) {
    if (digitRun(j + 1) != 3 || ch(j + 4) != 41 || ch(j + 1) < 50) return 0;
    j += 5;
    if (ch(j) == 32 || ch(j) == 45) j++;
  } else {
    if (digitRun(j) != 3 || ch(j) < 50 || !isSep(ch(j + 3))) return 0;
    j += 4;
  }
  if (digitRun(j) != 3 || ch(j) < 50 || !isSep(ch(j + 3))) return 0;
  j += 4;
  if (digitRun(j) != 4) return 0;
  j += 4;
  return isWord(ch(j)) ? 0 : j;
}

/** At a word start (digit or `(`). */
export function matchNationalPhone(i: i32): i32 {
  const c = ch(i);
  let end = matchNanpAt(i);
  if (end) return end;
  if (!isDigit(c)) return 0;
  const prefix = digitRun(i);
  if (prefix >= 1 && prefix <= 3 && isSep(ch(i + prefix))) {
    end = matchNanpAt(i + prefix + 1);
    if (end) return end;
  }
  // trunk-0 national numbers: 0 + area (1-3 digits after the 0), separator, 6-8 digits
  if (c == 48 && prefix >= 2 && prefix <= 4 && (ch(i + prefix) == 45 || ch(i + prefix) == 32)) {
    const rest = digitRun(i + prefix + 1);
    if (rest >= 6 && rest <= 8) {
      end = i + prefix + 1 + rest;
      if (!isWord(ch(end)) && !(isSep(ch(end)) && isDigit(ch(end + 1)))) return end;
    }
  }
  return 0;
}

@inline function isGap(c: i32): bool { return c == 32 || c == 45; }
// Group sizes, allocated once (the runtime never frees).
const TR_GROUPS: StaticArray<i32> = [3, 3, 2, 2];
const PH_GROUPS: StaticArray<i32> = [3, 3, 4];

/** `(?5XX)? XXX XX XX` from j (optional space or dash between groups); its end or 0. The
 *  area's first digit (2-5) is left in trFirst. */
let trFirst: i32 = 0;
function trSubscriber(j: i32): i32 {
  let paren = false;
  if (ch(j) == 40) { paren = true; j++; }
  const f = ch(j);
  if (f < 50 || f > 53 || digitRun(j) < 3) return 0;
  trFirst = f;
  // 10 digits in groups 3 3 2 2, each group boundary with an optional gap
  for (let g = 0; g < 4; g++) {
    for (let k = 0; k < unchecked(TR_GROUPS[g]); k++) { if (!isDigit(ch(j))) return 0; j++; }
    if (g == 0 && paren) { if (ch(j) != 41) return 0; j++; }
    if (g < 3 && isGap(ch(j)) && isDigit(ch(j + 1))) j++;
  }
  return isWord(ch(j)) ? 0 : j;
}

/** TR phone numbers: +90, 0 or nothing before a 10-digit number whose area starts 5 (mobile)
 *  or 2-4 (geographic). Scores as Presidio: mobile 0.4 / 0.3 / 0.15, geographic 0.1 / 0.1 / 0.05. */
export function matchTrPhone(i: i32): i32 {
  if (isWord(ch(i - 1))) return 0;
  const c = ch(i);
  let j = i, kind = 2; // 0 international, 1 national, 2 local
  if (c == 43) {
    if (ch(i + 1) != 57 || ch(i + 2) != 48) return 0;
    j = i + 3; kind = 0;
    if (isGap(ch(j))) j++;
  } else if (c == 48) {
    j = i + 1; kind = 1;
    if (isGap(ch(j))) j++;
  }
  const end = trSubscriber(j);
  if (!end) return 0;
  const mobile = trFirst == 53;
  scoreMatch(kind == 0 ? (mobile ? 400 : 100) : kind == 1 ? (mobile ? 300 : 100) : (mobile ? 150 : 50));
  return end;
}

/** PH mobile numbers: +63 or 0, then 9XX XXX XXXX (space or dash between groups). */
export function matchPhMobile(i: i32): i32 {
  let j = i;
  if (ch(i) == 43) {
    if (ch(i + 1) != 54 || ch(i + 2) != 51) return 0;
    j = i + 3;
    if (isGap(ch(j))) j++;
  } else if (ch(i) == 48) j = i + 1;
  else return 0;
  if (ch(j) != 57) return 0;
  for (let g = 0; g < 3; g++) {
    for (let k = 0; k < unchecked(PH_GROUPS[g]); k++) { if (!isDigit(ch(j))) return 0; j++; }
    if (g < 2 && isGap(ch(j)) && isDigit(ch(j + 1))) j++;
  }
  return isWord(ch(j)) ? 0 : j;
}
