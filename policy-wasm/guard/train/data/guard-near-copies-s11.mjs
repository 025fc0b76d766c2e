// Near-copy screen for the rows added in session 11 (test/fixtures/guard/PROVENANCE.md): a draft row is
// dropped when >= 20 % of its word 6-gram shingles lie in one row of another file of the folder, or >= 20 %
// of that row's shingles lie in it (both directions; the measure is shingles.mjs). Prints figures only, never a row.
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs DRAFT OUT [ALSO_SKIP...]
// DRAFT: a *.draft.jsonl of test/fixtures/guard/; OUT: the file to write there; ALSO_SKIP: files of the folder
// not to compare against (besides DRAFT and OUT).
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eitherWay, FIXTURES as DIR, loadRows as load, pct } from "./shingles.mjs";

const [draft, outName, ...skip] = process.argv.slice(2);
const THRESHOLD = 0.2;

const others = readdirSync(DIR).filter((f) => f.endsWith(".jsonl") && !f.endsWith(".draft.jsonl") && f !== outName && !skip.includes(f));
const old = others.map((f) => ({ f, rows: load(f) }));
const oldTexts = new Set(old.flatMap((o) => o.rows.map((r) => r.text)));
const rows = load(draft);
const kept = [];
const dropped = {}; // "file" -> [max containment per dropped row]
const maxBy = Object.fromEntries(others.map((f) => [f, 0]));
let exact = 0;
for (const r of rows) {
  if (oldTexts.has(r.text)) { exact++; continue; }
  let worst = 0, worstFile = "";
  for (const { f, rows: rs } of old) {
    for (const o of rs) {
      const c = eitherWay(r, o);
      if (c > maxBy[f]) maxBy[f] = c;
      if (c > worst) { worst = c; worstFile = f; }
    }
  }
  if (worst >= THRESHOLD) (dropped[`${worstFile} ${r.label}`] ??= []).push(worst);
  else kept.push(r);
}
writeFileSync(join(DIR, outName), kept.map(({ w, sh, ...r }) => JSON.stringify(r)).join("\n") + "\n");
console.log(`${draft}: ${rows.length} rows; ${exact} exact duplicates of another file dropped; near-copies (>= 20 %) dropped by the file they match:`);
for (const [k, v] of Object.entries(dropped)) console.log(`  ${k}: ${v.length} (containment ${v.map(pct).join(", ")})`);
console.log(`kept ${kept.length} (${kept.filter((r) => r.label === "injection").length} injection, ${kept.filter((r) => r.label === "benign").length} benign) -> ${outName}`);
console.log("largest containment of a draft row against each file (dropped rows included):");
for (const [f, v] of Object.entries(maxBy)) console.log(`  ${f}: ${pct(v)}`);
