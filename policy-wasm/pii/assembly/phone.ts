// Phone numbers, shaped after libphonenumber's common formats (not its per-region metadata):
//  - international: `+` country code, then digit groups separated by one space, dash or dot,
//    or a parenthesised area code; 8-15 digits in all (E.164 allows 15);
//  - North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, with an optional 1-3 digit
//    country prefix (`1-800-...`, `91-415-...`), N = 2-9;
//  - national with a trunk 0: 0 + 1-3 digit area code, separator, 6-8 digits (`09-7625400`).
import { ch, isDigit, isWord, digitRun } from "./text";

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
