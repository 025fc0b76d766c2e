// Matches found in the current text, then resolved into non-overlapping spans.
import { IntList } from "../../sdk/buffers";
import { PRIORITY } from "./entities";

const starts = new IntList();
const ends = new IntList();
const types = new IntList();
const scores = new IntList(); // thousandths
/** Accepted spans: indices into the candidate lists, in text order. */
const accepted = new IntList();

/** The score a matcher gives its last match when it differs from the type's base score (a weak
 *  form of the pattern, a failed optional check); -1 = the base. Read and reset by detect. */
export let matchScore: i32 = -1;
export function scoreMatch(score: i32): void { matchScore = score; }
export function resetMatchScore(): void { matchScore = -1; }

export function clearCandidates(): void { starts.count = 0; ends.count = 0; types.count = 0; scores.count = 0; accepted.count = 0; }

export function addCandidate(start: i32, end: i32, type: i32, score: i32): void {
  starts.push(start); ends.push(end); types.push(type); scores.push(score);
}

@inline function beats(a: i32, b: i32): bool {
  const pa = unchecked(PRIORITY[types.get(a)]), pb = unchecked(PRIORITY[types.get(b)]);
  if (pa != pb) return pa > pb;
  const sa = scores.get(a), sb = scores.get(b);
  if (sa != sb) return sa > sb;
  return ends.get(a) - starts.get(a) > ends.get(b) - starts.get(b);
}

/** Sorts candidates by start (insertion sort: they arrive almost sorted) and keeps, of each
 *  overlapping group, the one with the highest priority, then score, then the longest. */
export function resolve(): i32 {
  const n = starts.count;
  for (let i = 1; i < n; i++) {
    const s = starts.get(i), e = ends.get(i), t = types.get(i), sc = scores.get(i);
    let j = i - 1;
    while (j >= 0 && starts.get(j) > s) {
      starts.set(j + 1, starts.get(j)); ends.set(j + 1, ends.get(j)); types.set(j + 1, types.get(j)); scores.set(j + 1, scores.get(j));
      j--;
    }
    starts.set(j + 1, s); ends.set(j + 1, e); types.set(j + 1, t); scores.set(j + 1, sc);
  }
  accepted.count = 0;
  for (let i = 0; i < n; i++) {
    if (accepted.count == 0) { accepted.push(i); continue; }
    const last = accepted.get(accepted.count - 1);
    if (starts.get(i) >= ends.get(last)) { accepted.push(i); continue; }
    if (beats(i, last)) accepted.set(accepted.count - 1, i);
  }
  return accepted.count;
}

@inline export function spanStart(k: i32): i32 { return starts.get(accepted.get(k)); }
@inline export function spanEnd(k: i32): i32 { return ends.get(accepted.get(k)); }
@inline export function spanType(k: i32): i32 { return types.get(accepted.get(k)); }
@inline export function spanScore(k: i32): i32 { return scores.get(accepted.get(k)); }
