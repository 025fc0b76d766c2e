// Shared by train.mjs and evaluate.mjs: the labelled rows, the module's own feature extraction
// (raw_features of dist/policy-wasm/guard.wasm: training sees the very buckets and rule bits
// inference computes), logistic regression by full-batch gradient descent (deterministic: no
// random order, fixed iteration count), quantisation to the module's int8 table, and metrics.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, "..", "..", "..");
export const TABLE_BITS = 16;
const TABLE = 1 << TABLE_BITS;
export const RULE_COUNT = 30;
/** Rule ids the module sets only in views other than the first (decoded_base64, decoded_hex,
 *  decoded_rot13): never set in a training row, so no gradient moves them. They start at 0 and the
 *  prior's pull (RULE_L2 towards RULE_PRIOR) takes them to 2, which weights.ts ships (found in
 *  session 13; every figure since they were added was measured with them at 2). */
const OTHER_VIEW_RULES = [17, 18, 19];
/** Benign rows count this much more than attacks in the loss: a false positive costs more. */
const BENIGN_WEIGHT = 2;
/** Chosen by dev cross-validation (evaluate.mjs --dev): 1e-4 underfit the short attacks (dev TPR @ 2 %
 *  FPR 0.80 -> 0.81 at 1e-5 before the data and rules grew); 400 steps where 120 had not converged. */
const L2 = 1e-5;
/** Rules are few and hand-written: their weights are pulled towards RULE_PRIOR (the belief that a
 *  rule firing is evidence of an attack), not towards 0, and less strongly than the buckets. */
const RULE_L2 = 1e-2; // dev CV: freer rule weights (1e-4, 1e-5) overfit (TPR @ 2 % FPR 0.79 -> 0.76 / 0.74)
const RULE_PRIOR = 2;
/** Session 6: 800 steps with the sub-window training (trainedView); dev CV, TPR @ 2 % FPR without the
 *  inner calibration: 400 steps 0.796 (full procedure), 800 0.807, 1500 0.811 (twice the training time). */
const ITERATIONS = 800;
const LEARNING_RATE = 4;
const MOMENTUM = 0.9;

/** The training files of test/fixtures/guard/ (provenance in its PROVENANCE.md). The external-*.jsonl
 *  files there are test sets, never trained on (external.mjs). */
const TRAINING_FILES = ["injection.jsonl", "benign.jsonl", "written.jsonl", "public.jsonl", "written-s6.jsonl", "public-s11.jsonl", "written-s11.jsonl"];
// Not trained on: written-s7.jsonl (session 7): it lowered dev CV on the rows before it (PROVENANCE.md). BIPIA's
// e-mails (session 12) failed their rule too and are a test set since, external-s12.jsonl (bench/RESULTS.md, "Session 12").
// written-s13.jsonl (session 13: forged turns and their hard negatives) failed its rule with the forged_turn feature
// (bench/RESULTS.md, "Session 13: forged turns and template markers"): kept as a labelled sample, not trained on.
// public-s14.jsonl (session 14: deepset/prompt-injections and jailbreak-classification train rows) failed its rule (dev
// TPR @ 2 % FPR on main's rows 0.763 < 0.769; BIPIA -6, LLMail -3, written-s7 -2 attacks at 0.5; bench/RESULTS.md,
// "Session 14"): kept as labelled rows, not trained on. Add it to this list to screen it again (fromSession14 below).

/** Every labelled training row of test/fixtures/guard/, file by file in TRAINING_FILES order. */
export function loadRows() {
  const rows = [];
  for (const file of TRAINING_FILES) {
    for (const line of readFileSync(join(ROOT, "test", "fixtures", "guard", file), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const r = JSON.parse(line);
      rows.push({ text: r.text, y: r.label === "injection" ? 1 : 0, source: r.source, subtype: r.subtype ?? r.category ?? "", file });
    }
  }
  return rows;
}

/** Rows of the files added in session 11 (PAIR jailbreaks and their hard negatives): the reports give the
 *  earlier rows on their own line, to compare with the weights before them. */
export const fromSession11 = (r) => r.file === "public-s11.jsonl" || r.file === "written-s11.jsonl";

/** Rows of the file added in session 14 (public prompt-injection datasets at scale: deepset/prompt-injections and
 *  jailbreak-classification train rows): the reports also give the rows of the files before it, main's rows. */
export const fromSession14 = (r) => r.file === "public-s14.jsonl";

/** FNV-1a of a text: the row's fold (stable whatever the file order). */
export function foldOf(text, k) {
  return fnv1a(text) % k;
}

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The held-out partition: a fixed ~25 % of the rows (by a salted hash of the text, so it is
 *  independent of the folds), set aside before the rules and features were reworked and never
 *  read while developing them. Rows added later fall on either side by the same hash. The
 *  rules and features are developed by cross-validation on the other rows only (evaluate.mjs
 *  --dev); the held-out rows are scored by the procedure trained on the dev rows alone. */
export function isHeldOut(text) {
  return fnv1a(`sluice-guard-holdout\n${text}`) % 4 === 0;
}

/** raw_features of the built module, for every row: views [{ view, bits, buckets }]. */
export async function extractFeatures(rows, wasmPath = join(ROOT, "dist", "policy-wasm", "guard.wasm")) {
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    (imports[i.module] ??= {})[i.name] = () => { throw new Error(`unexpected import ${i.module}.${i.name}`); };
  }
  const { exports } = await WebAssembly.instantiate(module, imports);
  const utf8 = new TextEncoder();
  return rows.map((row) => {
    const bytes = utf8.encode(row.text);
    const at = exports.raw_reserve(bytes.length);
    new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
    if (exports.raw_features(bytes.length) !== 0) throw new Error("raw_features failed");
    const out = new Uint32Array(exports.memory.buffer.slice(exports.raw_output_ptr(), exports.raw_output_ptr() + exports.raw_output_len()));
    const views = [];
    for (let i = 0; i < out.length;) {
      const view = out[i], bits = out[i + 1], n = out[i + 2];
      views.push({ view, bits, buckets: out.slice(i + 3, i + 3 + n) });
      i += 3 + n;
    }
    return views.map((v) => sparse(v));
  });
}

/** A view as its distinct buckets (the module reports each once) with value 1 / sqrt(n), plus its rule bits. */
function sparse({ view, bits, buckets }) {
  const keys = Uint32Array.from(new Set(buckets)).sort();
  const norm = keys.length > 0 ? 1 / Math.sqrt(keys.length) : 0;
  return { view, bits, idx: keys, val: new Float64Array(keys.length).fill(norm) };
}

/** Trains on samples (each row's views; the one trainedView picks); returns float weights. */
export function train(samples, labels, { denseL2 = 1e-3 } = {}) {
  const w = new Float64Array(TABLE), r = new Float64Array(RULE_COUNT);
  // dense features (screening only, session 10's word-embedding variants in screen-variants.mjs):
  // x.dense on a view, one weight each; the shipped module has none
  const D = samples[0]?.[0]?.dense?.length ?? 0;
  const u = new Float64Array(D), vu = new Float64Array(D), gu = new Float64Array(D);
  // rules matched by the module start at the prior; the signals it sets only in views other than
  // the first (decoded_*: never seen in training) start at 0, and the prior's pull takes them to it too
  for (let q = 0; q < RULE_COUNT; q++) if (!OTHER_VIEW_RULES.includes(q)) r[q] = RULE_PRIOR;
  let b = 0;
  const vw = new Float64Array(TABLE), vr = new Float64Array(RULE_COUNT);
  let vb = 0;
  const gw = new Float64Array(TABLE), gr = new Float64Array(RULE_COUNT);
  let total = 0;
  for (const y of labels) total += y ? 1 : BENIGN_WEIGHT;
  for (let it = 0; it < ITERATIONS; it++) {
    gw.fill(0);
    gr.fill(0);
    gu.fill(0);
    let gb = 0;
    for (let s = 0; s < samples.length; s++) {
      const x = trainedView(samples[s], w, r, b, u);
      const y = labels[s];
      const p = sigmoid(linear(x, w, r, b, u));
      const g = (p - y) * (y ? 1 : BENIGN_WEIGHT) / total;
      for (let k = 0; k < x.idx.length; k++) gw[x.idx[k]] += g * x.val[k];
      for (let q = 0; q < RULE_COUNT; q++) if (x.bits & (1 << q)) gr[q] += g;
      if (x.dense) for (let d = 0; d < D; d++) gu[d] += g * x.dense[d];
      gb += g;
    }
    for (let k = 0; k < TABLE; k++) {
      vw[k] = MOMENTUM * vw[k] - LEARNING_RATE * (gw[k] + L2 * w[k]);
      w[k] += vw[k];
    }
    for (let q = 0; q < RULE_COUNT; q++) {
      vr[q] = MOMENTUM * vr[q] - LEARNING_RATE * (gr[q] + RULE_L2 * (r[q] - RULE_PRIOR));
      r[q] += vr[q];
    }
    for (let d = 0; d < D; d++) {
      vu[d] = MOMENTUM * vu[d] - LEARNING_RATE * (gu[d] + denseL2 * u[d]);
      u[d] += vu[d];
    }
    vb = MOMENTUM * vb - LEARNING_RATE * gb;
    b += vb;
  }
  return { w, r, b, u };
}

/** The view a row is trained on: the whole window (view 0, with its rule bits) or, when one scores
 *  higher under the current weights, one of its 256-byte sub-windows (view 3): the view the module's
 *  max picks, so the loss is the one inference sees (multiple-instance learning: a planted
 *  instruction is learned from the sub-window that holds it, a benign document's best sub-window is
 *  pushed down). Dev CV (bench/RESULTS.md, session 6): TPR @ 2 % FPR 0.773 -> 0.796 at 400 steps. */
function trainedView(views, w, r, b, u) {
  let x = views[0];
  let best = linear(x, w, r, b, u);
  for (let v = 1; v < views.length; v++) {
    if (views[v].view !== 3) continue;
    const z = linear(views[v], w, r, b, u);
    if (z > best) { best = z; x = views[v]; }
  }
  return x;
}

function linear(x, w, r, b, u) {
  let z = b;
  for (let k = 0; k < x.idx.length; k++) z += w[x.idx[k]] * x.val[k];
  for (let q = 0; q < RULE_COUNT; q++) if (x.bits & (1 << q)) z += r[q];
  if (x.dense) for (let d = 0; d < u.length; d++) z += u[d] * x.dense[d];
  return z;
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** The model as the module holds it: int8 table with one scale, f32 rule weights and bias. */
export function quantise({ w, r, b, u }) {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = Math.fround(max > 0 ? max / 127 : 0);
  const q = new Int8Array(TABLE);
  for (let k = 0; k < TABLE; k++) q[k] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(w[k] / scale))) : 0;
  return { q, scale, r: Float32Array.from(r), b: Math.fround(b), u: Float32Array.from(u ?? []) };
}

/** The module's logit for one row (max over its views), from a quantised model. */
export function logitOf(model, views) {
  let best = -Infinity;
  for (const x of views) {
    let sum = 0, n = 0;
    for (let k = 0; k < x.idx.length; k++) sum += model.q[x.idx[k]] * x.val[k];
    let z = model.b + model.scale * sum;
    for (let q = 0; q < RULE_COUNT; q++) if (x.bits & (1 << q)) z += model.r[q];
    if (x.dense) for (let d = 0; d < model.u.length; d++) z += model.u[d] * x.dense[d];
    void n;
    best = Math.max(best, z);
  }
  return best;
}

/** The logit above which at most `fpr` of the benign scores lie. */
export function thresholdAtFpr(benignLogits, fpr) {
  const sorted = [...benignLogits].sort((a, b) => b - a);
  const allowed = Math.floor(fpr * sorted.length);
  // strictly above the (allowed+1)-th highest benign score
  return sorted[allowed] + 1e-6;
}

/** ROC AUC (Mann-Whitney, ties count half). */
export function rocAuc(pos, neg) {
  let wins = 0;
  const sortedNeg = [...neg].sort((a, b) => a - b);
  for (const p of pos) {
    let lo = 0, hi = sortedNeg.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (sortedNeg[mid] < p) lo = mid + 1; else hi = mid; }
    let eq = lo;
    while (eq < sortedNeg.length && sortedNeg[eq] === p) eq++;
    wins += lo + (eq - lo) / 2;
  }
  return wins / (pos.length * neg.length);
}

/** TPR at the highest threshold whose FPR is <= fpr. */
export function tprAtFpr(pos, neg, fpr) {
  const t = thresholdAtFpr(neg, fpr);
  return pos.filter((p) => p >= t).length / pos.length;
}
