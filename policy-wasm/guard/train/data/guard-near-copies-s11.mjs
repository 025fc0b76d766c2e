// Near-copy screen for the rows added in session 11 (test/fixtures/guard/PROVENANCE.md): a draft row is
// dropped when >= 20 % of its word 6-gram shingles lie in one row of another file of the folder, or >= 20 %
// of that row's shingles lie in it (both directions). A row of fewer than six words has one shingle, its whole
// word sequence, which another row holds when the sequence occurs in it; the neutral filler question
// "What is the capital of France?" is removed before the words are taken. Prints figures only, never a row.
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs DRAFT OUT [ALSO_SKIP...]
// DRAFT: a *.draft.jsonl of test/fixtures/guard/; OUT: the file to write there; ALSO_SKIP: files of the folder
// not to compare against (besides DRAFT and OUT).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "fixtures", "guard");
const [draft, outName, ...skip] = process.argv.slice(2);
const THRESHOLD = 0.2;
const N = 6;
const FILLER = /what is the capital of france\?/gi;

const words = (text) => text.replace(FILLER, " ").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function shingles(w) {
  if (w.length < N) return new Set(w.length ? [w.join(" ")] : []);
  const s = new Set();
  for (let i = 0; i + N <= w.length; i++) s.add(w.slice(i, i + N).join(" "));
  return s;
}
/** Share of a's shingles found in b (a short row: 1 when its word sequence occurs in b). */
function containment(a, b) {
  if (a.sh.size === 0) return 0;
  if (a.w.length < N) return ` ${b.w.join(" ")} `.includes(` ${a.w.join(" ")} `) ? 1 : 0;
  let n = 0;
  for (const s of a.sh) if (b.sh.has(s)) n++;
  return n / a.sh.size;
}
const load = (file) => readFileSync(join(DIR, file), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
const prep = (r) => { const w = words(r.text); return { ...r, w, sh: shingles(w) }; };

const others = readdirSync(DIR).filter((f) => f.endsWith(".jsonl") && !f.endsWith(".draft.jsonl") && f !== outName && !skip.includes(f));
const old = others.map((f) => ({ f, rows: load(f).map(prep) }));
const oldTexts = new Set(old.flatMap((o) => o.rows.map((r) => r.text)));
const rows = load(draft).map(prep);
const kept = [];
const dropped = {}; // "file" -> [max containment per dropped row]
const maxBy = Object.fromEntries(others.map((f) => [f, 0]));
let exact = 0;
for (const r of rows) {
  if (oldTexts.has(r.text)) { exact++; continue; }
  let worst = 0, worstFile = "";
  for (const { f, rows: rs } of old) {
    for (const o of rs) {
      const c = Math.max(containment(r, o), containment(o, r));
      if (c > maxBy[f]) maxBy[f] = c;
      if (c > worst) { worst = c; worstFile = f; }
    }
  }
  if (worst >= THRESHOLD) (dropped[`${worstFile} ${r.label}`] ??= []).push(worst);
  else kept.push(r);
}
writeFileSync(join(DIR, outName), kept.map(({ w, sh, ...r }) => JSON.stringify(r)).join("\n") + "\n");
const pct = (x) => `${(100 * x).toFixed(1)} %`;
console.log(`${draft}: ${rows.length} rows; ${exact} exact duplicates of another file dropped; near-copies (>= 20 %) dropped by the file they match:`);
for (const [k, v] of Object.entries(dropped)) console.log(`  ${k}: ${v.length} (containment ${v.map(pct).join(", ")})`);
console.log(`kept ${kept.length} (${kept.filter((r) => r.label === "injection").length} injection, ${kept.filter((r) => r.label === "benign").length} benign) -> ${outName}`);
console.log("largest containment of a draft row against each file (dropped rows included):");
for (const [f, v] of Object.entries(maxBy)) console.log(`  ${f}: ${pct(v)}`);
