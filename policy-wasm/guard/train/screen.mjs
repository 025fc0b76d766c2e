// Screening of model variants on the dev rows (the figures of bench/RESULTS.md, "Guard slot",
// sessions 7-8): the outer 5 folds of evaluate.mjs --dev (same rows, same folds) without the inner
// calibration of the bias, so the figures are threshold-free only: pooled ROC AUC and TPR at 1 / 2 /
// 5 % FPR, for all dev rows and for the rows of sessions 1-5. About a minute for the shipped LR; a
// variant that passes must then go through the full procedure (evaluate.mjs --dev --errors).
// Never scores or prints a held-out row.
//   npm run build:wasm && nice -n 19 node policy-wasm/guard/train/screen.mjs [VARIANT...]   (default: lr)
import { extractFeatures, foldOf, isHeldOut, loadRows, logitOf, quantise, rocAuc, tprAtFpr, train } from "./lib.mjs";
import { makeBag, makeMlp, makeNb, makeStackMulti } from "./screen-variants.mjs";

const K = 5;
/** The shipped procedure's model (train.mjs without its calibration: a shift does not change a ranking). */
const LR = { fit: (samples, labels) => { const m = quantise(train(samples, labels)); return (views) => logitOf(m, views); } };
// session 8, each as screened (bench/RESULTS.md has the figures)
const VARIANTS = {
  lr: LR,
  res16: makeMlp({ mode: "residual", H: 16 }),
  pure16: makeMlp({ mode: "pure", H: 16 }),
  mlpOnly16: makeMlp({ mode: "pure", wide: false, H: 16, l2w: 1e-3 }),
  pure16b12: makeMlp({ mode: "pure", H: 16, HB: 12 }),
  pure32l2: makeMlp({ mode: "pure", H: 32, l2w: 1e-3 }),
  stack: makeStackMulti({
    base3: { rules: false },
    zonly: { only: [0] },
    rules: {},
    rulesLen: { len: true },
    rulesLenNr: { len: true, nr: true },
    cross: { len: true, nr: true, cross: true },
    crossL2: { len: true, nr: true, cross: true, l2: 1e-2 },
    mlp8: { len: true, nr: true, H: 8 },
    mlp8L2: { len: true, nr: true, H: 8, l2: 1e-2 },
  }),
  nb1: makeNb({ alpha: 1 }),
  nbSqrt: makeNb({ alpha: 1, pow: 0.5 }),
  nbFloor: makeNb({ alpha: 1, floor: 0.5 }),
  bag5: makeBag({ B: 5 }),
  sub5: makeBag({ B: 5, frac: 0.8, replace: false }),
  sub5seed7: makeBag({ B: 5, frac: 0.8, replace: false, seed: 7 }),
};

const rows = loadRows();
const features = await extractFeatures(rows);
const devIdx = rows.map((_, i) => i).filter((i) => !isHeldOut(rows[i].text));
const outerFold = (i) => foldOf(rows[i].text, K * 7) % K; // as evaluate.mjs
const SESSION_6 = (r) => r.source === "sluice:written-for-guard-s6";
const fmt = (x) => x.toFixed(3);
function report(label, scored) {
  const pos = scored.filter((x) => rows[x.i].y === 1).map((x) => x.z), neg = scored.filter((x) => rows[x.i].y === 0).map((x) => x.z);
  return `${label} ${pos.length}/${neg.length} AUC ${fmt(rocAuc(pos, neg))} TPR@1% ${fmt(tprAtFpr(pos, neg, 0.01))} @2% ${fmt(tprAtFpr(pos, neg, 0.02))} @5% ${fmt(tprAtFpr(pos, neg, 0.05))}`;
}

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ["lr"]) {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name}; one of ${Object.keys(VARIANTS).join(", ")}`);
  const started = performance.now();
  const scoredBy = {};
  for (let f = 0; f < K; f++) {
    const tr = devIdx.filter((i) => outerFold(i) !== f);
    let scorers = variant.fit(tr.map((i) => features[i]), tr.map((i) => rows[i].y), tr.map((i) => rows[i]));
    if (typeof scorers === "function") scorers = { "": scorers };
    for (const [sub, score] of Object.entries(scorers)) {
      scoredBy[sub] ??= [];
      for (const i of devIdx) if (outerFold(i) === f) scoredBy[sub].push({ i, z: score(features[i]) });
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  for (const [sub, scored] of Object.entries(scoredBy)) {
    console.log(`${name}${sub ? `/${sub}` : ""}: ${report("dev", scored)} | ${report("dev rows of sessions 1-5", scored.filter((x) => !SESSION_6(rows[x.i])))} | ${seconds} s`);
  }
}
