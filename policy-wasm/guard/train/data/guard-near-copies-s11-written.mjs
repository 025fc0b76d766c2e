// Near-copy check of test/fixtures/guard/written-s11.jsonl (session 11, hard negatives), the same measure as
// guard-near-copies-s11.mjs (word 6-gram shingle containment, both directions; a row of fewer than six
// words is one shingle, its whole word sequence) against every other file of the folder, held-out rows included.
// Reports figures only, never a row of another file, and drops nothing: the twins overlap public-s11.jsonl by
// design (the same framing), so their figures against it are reported, per twin against its own PAIR row.
//   node policy-wasm/guard/train/data/guard-near-copies-s11-written.mjs
import { readdirSync } from "node:fs";
import { eitherWay as both, FIXTURES as DIR, loadRows as load, pct } from "./shingles.mjs";

const OUT = "written-s11.jsonl";
const rows = load(OUT);
const files = readdirSync(DIR).filter((f) => f.endsWith(".jsonl") && f !== OUT).sort();
const texts = new Set(rows.map((r) => r.text));
console.log(`${OUT}: ${rows.length} rows, ${texts.size} distinct`);
let pair = null;
for (const f of files) {
  const other = load(f);
  const exact = rows.filter((r) => other.some((o) => o.text === r.text)).length;
  const worst = rows.map((r) => Math.max(0, ...other.map((o) => both(r, o))));
  const over = worst.filter((x) => x >= 0.2).length;
  console.log(`  ${f}: largest ${pct(Math.max(...worst))}; rows >= 20 %: ${over}; exact duplicates: ${exact}`);
  if (f === "public-s11.jsonl") pair = other;
}
// twins against their own PAIR row (the note names its line), the rest against any public-s11 row
const own = [], rest = [];
for (const r of rows) {
  if (r.category === "twin") own.push(both(r, pair[Number(/row (\d+)/.exec(r.note)[1]) - 1]));
  else rest.push(Math.max(0, ...pair.map((o) => both(r, o))));
}
own.sort((a, b) => a - b);
const q = (p) => pct(own[Math.min(own.length - 1, Math.floor(p * own.length))]);
console.log(`  twins against their own public-s11 row (${own.length}): min ${q(0)}, median ${q(0.5)}, 90th pct ${q(0.9)}, max ${pct(own[own.length - 1])}; >= 20 %: ${own.filter((x) => x >= 0.2).length}`);
console.log(`  non-twin rows against public-s11 (${rest.length}): largest ${pct(Math.max(...rest))}`);
