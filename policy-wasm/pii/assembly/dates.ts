// DATE_TIME: Presidio's date patterns and scores (weak: a context word counts). Each matcher is
// called at a word start and returns the end of the match (exclusive) or 0; scoreMatch() sets
// the score when it differs from the type's base.
import { ch, isDigit, isWord, isAlpha, upper as up, digitRun } from "./text";
import { scoreMatch } from "./candidates";

const MONTHS = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
/** 1-12 when the 3 letters at i are a month abbreviation (any case), else 0. */
function monthAt(i: i32): i32 {
  const a = up(ch(i)), b = up(ch(i + 1)), c = up(ch(i + 2));
  for (let m = 0; m < 12; m++) {
    if (MONTHS.charCodeAt(m * 3) == a && MONTHS.charCodeAt(m * 3 + 1) == b && MONTHS.charCodeAt(m * 3 + 2) == c) return m + 1;
  }
  return 0;
}
/** Value of a 1-2 digit run at i (its length in numLen), or -1. */
let numLen: i32 = 0;
function small(i: i32): i32 {
  const n = digitRun(i);
  numLen = n;
  if (n < 1 || n > 2) return -1;
  return n == 1 ? ch(i) - 48 : (ch(i) - 48) * 10 + ch(i + 1) - 48;
}
@inline function isDay(v: i32): bool { return v >= 1 && v <= 31; }
@inline function isMonth(v: i32): bool { return v >= 1 && v <= 12; }
/** A year of 2 or 4 digits at i (`four`: 4 only): its end, or 0. */
function yearEnd(i: i32, four: bool): i32 {
  const n = digitRun(i);
  if (n == 4 || (n == 2 && !four)) return isWord(ch(i + n)) ? 0 : i + n;
  return 0;
}
/** ISO 8601 date-time from i (YYYY-MM-DDTHH:MM[:SS[.f]](Z|±HH:MM)); its end or 0. */
function isoDateTime(i: i32): i32 {
  if (digitRun(i) != 4 || ch(i + 4) != 45 || digitRun(i + 5) != 2 || ch(i + 7) != 45 || digitRun(i + 8) != 2) return 0;
  if (up(ch(i + 10)) != 84 || digitRun(i + 11) != 2 || ch(i + 13) != 58 || digitRun(i + 14) != 2) return 0;
  let j = i + 16;
  if (ch(j) == 58 && digitRun(j + 1) == 2) {
    j += 3;
    if (ch(j) == 46 && isDigit(ch(j + 1))) { j++; while (isDigit(ch(j))) j++; }
  }
  const z = ch(j);
  if (up(z) == 90) j++;
  else if ((z == 43 || z == 45) && digitRun(j + 1) == 2 && ch(j + 3) == 58 && digitRun(j + 4) == 2) j += 6;
  else return 0;
  return isWord(ch(j)) ? 0 : j;
}

/** DATE_TIME at a digit: ISO date-times (0.8); d/m/y and m/d/y, y/m/d, y-m-d, d-m-yyyy,
 *  d.m.y, dd-MMM(-yy) (0.6); m/yyyy (0.2), m/yy (0.1). Dates are weak: a context word counts. */
export function matchDateDigits(i: i32): i32 {
  const iso = isoDateTime(i);
  if (iso) { scoreMatch(800); return iso; }
  if (digitRun(i) == 4) { // yyyy/mm/dd, yyyy-mm-dd
    const s = ch(i + 4);
    if (s != 47 && s != 45) return 0;
    const m = small(i + 5);
    if (!isMonth(m) || ch(i + 5 + numLen) != s) return 0;
    const j = i + 6 + numLen;
    const d = small(j);
    if (!isDay(d) || isWord(ch(j + numLen))) return 0;
    scoreMatch(600);
    return j + numLen;
  }
  const a = small(i);
  if (a < 1) return 0;
  let j = i + numLen;
  const s = ch(j);
  if (s != 47 && s != 45 && s != 46) return 0;
  j++;
  if (s == 45 && isAlpha(ch(j))) { // dd-MMM[-yy(yy)]
    if (!isDay(a) || monthAt(j) == 0 || isAlpha(ch(j + 3))) return 0;
    j += 3;
    if (ch(j) == 45) { const y = yearEnd(j + 1, false); if (y) { scoreMatch(600); return y; } }
    if (isWord(ch(j))) return 0;
    scoreMatch(600);
    return j;
  }
  if (s == 47 && isMonth(a) && (digitRun(j) == 4 || digitRun(j) == 2) && !isWord(ch(j + digitRun(j))) && ch(j + digitRun(j)) != 47) {
    const n = digitRun(j); // m/yyyy, m/yy
    scoreMatch(n == 4 ? 200 : 100);
    return j + n;
  }
  const b = small(j);
  if (b < 1 || ch(j + numLen) != s) return 0;
  j += numLen + 1;
  if (!((isMonth(a) && isDay(b)) || (isDay(a) && isMonth(b)))) return 0;
  const y = yearEnd(j, s == 45);
  if (!y) return 0;
  scoreMatch(600);
  return y;
}

/** DATE_TIME at a month abbreviation: MMM-yyyy / MMM-yy (0.6). */
export function matchDateMonth(i: i32): i32 {
  if (monthAt(i) == 0 || ch(i + 3) != 45) return 0;
  const y = yearEnd(i + 4, false);
  if (!y) return 0;
  scoreMatch(600);
  return y;
}
