// The external test sets (test/fixtures/guard/external-*.jsonl, provenance in its PROVENANCE.md):
// rows from third parties that no rule, word list, feature or training constant was chosen
// against, and that no training file holds (near-copies were removed when each set was made).
// Each is scored at the end of a round of work by the shipped procedure (train.mjs on every
// training row: the model weights.ts holds), trained once for all the sets; prints figures by
// set and by slice, never rows.
//   npm run build:wasm && npm run eval:guard:external [-- external-public.jsonl ...]
// With no file named, every external-*.jsonl of test/fixtures/guard/ is scored.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { extractFeatures, logitOf, ROOT, rocAuc, tprAtFpr } from "./lib.mjs";
import { trainGuard } from "./train.mjs";

const DIR = join(ROOT, "test", "fixtures", "guard");
const named = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const files = named.length > 0 ? named : readdirSync(DIR).filter((f) => /^external-.*\.jsonl$/.test(f)).sort();
if (files.length === 0) throw new Error(`no external-*.jsonl in ${DIR}`);

const model = await trainGuard({ log: () => {} });
const fmt = (x) => x.toFixed(3);
const table = [
  "| data | attacks | benign | ROC AUC | TPR @ 1 % FPR | TPR @ 2 % FPR | TPR @ 0.5 | FPR @ 0.5 | F1 @ 0.5 |",
  "|---|---|---|---|---|---|---|---|---|",
];
const slices = ["", "| set | slice (subtype) | attacks caught @ 0.5 | benign flagged @ 0.5 |", "|---|---|---|---|"];
for (const file of files) {
  const rows = readFileSync(join(DIR, file), "utf8")
    .split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
    .map((r) => ({ text: r.text, y: r.label === "injection" ? 1 : 0, subtype: r.subtype ?? "" }));
  const features = await extractFeatures(rows);
  const z = rows.map((_, i) => logitOf(model, features[i]));
  const pos = z.filter((_, i) => rows[i].y === 1), neg = z.filter((_, i) => rows[i].y === 0);
  const tp = pos.filter((v) => v >= 0).length, fp = neg.filter((v) => v >= 0).length;
  const precision = tp / Math.max(1, tp + fp), recall = tp / pos.length;
  const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
  table.push(`| ${file} | ${pos.length} | ${neg.length} | ${fmt(rocAuc(pos, neg))} | ${fmt(tprAtFpr(pos, neg, 0.01))} | ${fmt(tprAtFpr(pos, neg, 0.02))} | ${fmt(recall)} | ${fmt(fp / neg.length)} | ${fmt(f1)} |`);
  for (const subtype of [...new Set(rows.map((r) => r.subtype))]) {
    const idx = rows.map((_, i) => i).filter((i) => rows[i].subtype === subtype);
    const p = idx.filter((i) => rows[i].y === 1), n = idx.filter((i) => rows[i].y === 0);
    const cell = (s, what) => (s.length ? `${s.filter((i) => z[i] >= 0).length}/${s.length} ${what}` : "-");
    slices.push(`| ${file} | ${subtype} | ${cell(p, "caught")} | ${cell(n, "flagged")} |`);
  }
}
console.log([...table, ...slices].join("\n"));
