// The near-copy measure of the guard fixtures (test/fixtures/guard/PROVENANCE.md): word 6-gram shingle
// containment. A row of fewer than six words is one shingle, its whole word sequence, which another row holds
// when the sequence occurs in it; the neutral filler question "What is the capital of France?" (what the
// templates' placeholders were filled with) is removed before the words are taken.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "fixtures", "guard");
const N = 6;
const FILLER = /what is the capital of france\?/gi;

const words = (text) => text.replace(FILLER, " ").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function shingles(w) {
  if (w.length < N) return new Set(w.length ? [w.join(" ")] : []);
  const s = new Set();
  for (let i = 0; i + N <= w.length; i++) s.add(w.slice(i, i + N).join(" "));
  return s;
}

/** The rows of a JSONL file of the fixtures folder, each with its words and shingles. */
export const loadRows = (file) =>
  readFileSync(join(FIXTURES, file), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l)).map(withShingles);
export const withShingles = (r) => { const w = words(r.text); return { ...r, w, sh: shingles(w) }; };

/** Share of a's shingles found in b (a short row: 1 when its word sequence occurs in b). */
export function containment(a, b) {
  if (a.sh.size === 0) return 0;
  if (a.w.length < N) return ` ${b.w.join(" ")} `.includes(` ${a.w.join(" ")} `) ? 1 : 0;
  let n = 0;
  for (const s of a.sh) if (b.sh.has(s)) n++;
  return n / a.sh.size;
}

/** Containment in either direction: the measure the 20 % rule applies to. */
export const eitherWay = (a, b) => Math.max(containment(a, b), containment(b, a));
export const pct = (x) => `${(100 * x).toFixed(1)} %`;
