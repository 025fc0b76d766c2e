// Context words, as Presidio's context enhancer uses them: a word of the type's list among the
// `contextWindow` words before or after a match raises its score by 350, to at least 400.
// Words are compared lower-cased (ASCII); a context word matches a text word it starts
// (`passport` matches `passports`, `betriebsst` matches `Betriebsstättennummer`). Only matches
// scoring under 1000 are looked at, so the cost falls on weak candidates, not on prose.
import { ch, isWord, lower } from "./text";
import { CONTEXT } from "./entities";

/** Words on each side of a match searched for context (the call's PiiScanInput.context_window). */
export let contextWindow: i32 = 5;
export function setContextWindow(words: i32): void { contextWindow = words; }
/** Bytes looked at on each side at most, whatever the window: bounds the work per candidate. */
const MAX_REACH: i32 = 256;

/** Whether the text word [from, to) starts with one of the space-separated words of `list`. */
function listed(list: string, from: i32, to: i32): bool {
  const n = list.length;
  let k = 0;
  while (k < n) {
    let e = k;
    while (e < n && list.charCodeAt(e) != 32) e++;
    const len = e - k;
    if (len > 0 && len <= to - from) {
      let same = true;
      for (let q = 0; q < len; q++) if (lower(ch(from + q)) != list.charCodeAt(k + q)) { same = false; break; }
      if (same) return true;
    }
    k = e + 1;
  }
  return false;
}

export function hasContext(type: i32, start: i32, end: i32): bool {
  const list = unchecked(CONTEXT[type]);
  if (list.length == 0 || contextWindow == 0) return false;
  // before the match, nearest word first
  let j = start, words = 0;
  const lowest = start - MAX_REACH;
  while (words < contextWindow && j > lowest && j > 0) {
    while (j > lowest && j > 0 && !isWord(ch(j - 1))) j--;
    const to = j;
    while (j > lowest && j > 0 && isWord(ch(j - 1))) j--;
    if (to == j) break;
    if (listed(list, j, to)) return true;
    words++;
  }
  j = end; words = 0;
  const highest = end + MAX_REACH;
  while (words < contextWindow && j < highest) {
    while (j < highest && ch(j) >= 0 && !isWord(ch(j))) j++;
    const from = j;
    while (j < highest && isWord(ch(j))) j++;
    if (from == j) break;
    if (listed(list, from, j)) return true;
    words++;
  }
  return false;
}

/** A match's score after its context (Presidio: +0.35, at least 0.4, at most 1.0). */
export function withContext(type: i32, start: i32, end: i32, score: i32): i32 {
  if (score >= 1000 || !hasContext(type, start, end)) return score;
  let boosted = score + 350;
  if (boosted < 400) boosted = 400;
  return boosted > 1000 ? 1000 : boosted;
}
