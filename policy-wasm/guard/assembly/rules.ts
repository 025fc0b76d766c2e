// The hand-written rules (families.ts) matched over the words of the normalised window.
// A rule is a sequence of word groups that must appear in order, each within a few words of the
// previous one ("ignore" .. "previous" .. "instructions"). Words are matched on their first five
// letters (shorter words whole), so "ignoring", "ignored" and "ignore" are one word here.
// A rule that fires is not a verdict: it is a feature of the linear model (model.ts), whose
// trained weight says how much it counts, so "ignore the typos in my last message" and prompts
// that discuss "ignore previous instructions" are weighed by the model, not refused by a regex.
import { norm, normLen, isWordByte } from "./normalize";
import { BACKWARDS, ruleGaps, ruleGroups, ruleIds } from "./families";
import { FNV_OFFSET, FNV_PRIME, finishPrefix, hasFirstTwo, rot13Byte, tableGet } from "./word-table";

/** Most words a window can have (WINDOW bytes, every other one a word byte). */
const MAX_WORDS = 8200;
/** Per word: its full hash (FNV-1a), for the model's word features. */
export const wordHash = new StaticArray<u32>(MAX_WORDS);
/** Where each word starts in the normalised window (model.ts assigns its features to sub-windows). */
export const wordStart = new StaticArray<i32>(MAX_WORDS);
/** Per word: the rule groups its five-letter prefix belongs to, and those of its ROT13 (so the
 *  ROT13 view needs no pass of its own unless a rule fires on it). */
const wordGroups = new StaticArray<u64>(MAX_WORDS);
const wordGroupsRot13 = new StaticArray<u64>(MAX_WORDS);
/** The indices of the words that belong to some group as written or rotated, in order (set by
 *  readWords): a rule's first group is looked for among them, not among every word of the window
 *  (most words of prose are in no group, and an entry whose groups all occur in a window scans
 *  for its first). */
const groupedAt = new StaticArray<i32>(MAX_WORDS);
let groupedCount: i32 = 0;
/** The OR of the words' ROT13 groups (set by readWords). */
export let presentRot13: u64 = 0;
export let wordCount: i32 = 0;
/** The longest run of one word repeated back to back in the window (set by readWords). */
export let longestRun: i32 = 0;

/** Splits the normalised window into words: hashes and rule groups. Returns the OR of every
 *  word's groups (a rule whose groups are not all present cannot fire). */
export function readWords(): u64 {
  const p = changetype<usize>(norm);
  let count = 0, grouped = 0;
  let present: u64 = 0, presentRot: u64 = 0;
  let run = 0, longest = 0, last: u32 = 0;
  let i = 0;
  const n = normLen;
  while (i < n) {
    let c = <i32>load<u8>(p + <usize>i);
    if (!isWordByte(c)) { i++; continue; }
    let full = FNV_OFFSET, prefix = FNV_OFFSET, len = 0;
    const start = i;
    while (i < n && isWordByte(c)) {
      full = (full ^ <u32>c) * FNV_PRIME;
      if (len < 5) prefix = full;
      len++;
      i++;
      c = i < n ? <i32>load<u8>(p + <usize>i) : 32;
    }
    if (count < MAX_WORDS) {
      const groups = tableGet(finishPrefix(prefix));
      // the ROT13 of the word's prefix, hashed and looked up only when a table word starts like it
      const at = p + <usize>start;
      const r0 = rot13Byte(<i32>load<u8>(at));
      const r1 = len > 1 ? rot13Byte(<i32>load<u8>(at + 1)) : 0;
      let groupsRot: u64 = 0;
      if (hasFirstTwo((r0 << 8) | r1)) {
        let rot = (FNV_OFFSET ^ <u32>r0) * FNV_PRIME;
        const end = min(len, 5);
        for (let q = 1; q < end; q++) rot = (rot ^ <u32>rot13Byte(<i32>load<u8>(at + <usize>q))) * FNV_PRIME;
        groupsRot = tableGet(finishPrefix(rot));
      }
      if (full == last) run++; else { run = 1; last = full; }
      if (run > longest) longest = run;
      unchecked(wordHash[count] = full);
      unchecked(wordStart[count] = start);
      unchecked(wordGroups[count] = groups);
      unchecked(wordGroupsRot13[count] = groupsRot);
      if ((groups | groupsRot) != 0) unchecked(groupedAt[grouped++] = count);
      present |= groups;
      presentRot |= groupsRot;
      count++;
    }
  }
  wordCount = count;
  groupedCount = grouped;
  longestRun = longest;
  presentRot13 = presentRot;
  return present;
}

function matchFrom(words: StaticArray<u64>, groups: StaticArray<u64>, gaps: StaticArray<i32>, k: i32, at: i32): bool {
  if (k == groups.length) return true;
  const g = unchecked(groups[k]);
  const last = min(wordCount - 1, at + 1 + unchecked(gaps[k]));
  for (let q = at + 1; q <= last; q++) {
    if ((unchecked(words[q]) & g) != 0 && matchFrom(words, groups, gaps, k + 1, q)) return true;
  }
  return false;
}

/** Whether the words read by readWords (their OR of groups: `present`) hint at text written backwards. */
export function hintsBackwards(present: u64): bool { return (present & BACKWARDS) != 0; }

/** Bit r set for every rule r that fires on the words read by readWords. */
export function matchRules(present: u64): u32 {
  return matchIn(wordGroups, present);
}

/** Bit r set for every rule r that fires on the ROT13 of the words read by readWords. */
export function matchRulesRot13(): u32 {
  return matchIn(wordGroupsRot13, presentRot13);
}

function matchIn(words: StaticArray<u64>, present: u64): u32 {
  let fired: u32 = 0;
  for (let r = 0; r < ruleGroups.length; r++) {
    // an entry whose rule fired already (through another entry) cannot change the result
    const bit = <u32>1 << <u32>unchecked(ruleIds[r]);
    if ((fired & bit) != 0) continue;
    const groups = unchecked(ruleGroups[r]);
    let all = true;
    for (let k = 0; k < groups.length; k++) if ((present & unchecked(groups[k])) == 0) { all = false; break; }
    if (!all) continue;
    const first = unchecked(groups[0]);
    const gaps = unchecked(ruleGaps[r]);
    for (let k = 0; k < groupedCount; k++) {
      const p = unchecked(groupedAt[k]);
      if ((unchecked(words[p]) & first) != 0 && matchFrom(words, groups, gaps, 1, p)) { fired |= bit; break; }
    }
  }
  return fired;
}
