import { seededRandom as mulberry32 } from "../../test/support/seeded-random.js";
/**
 * Seeded, embedding-like vectors: what a sentence encoder's output looks like to an index, not
 * uniform noise (on which every ANN index looks bad and which says nothing about real use).
 * - a shared mean direction (real embeddings are anisotropic: unrelated texts still have
 *   cosine ~0.2-0.4),
 * - topics, subtopics within topics, then per-text noise (clusters inside clusters),
 * - queries that are either near-duplicates of stored texts (re-asked questions, the cache's
 *   case) or fresh texts from the same distribution (the miss case).
 */
export class EmbeddingLike {
  private readonly rand: () => number;
  private readonly mean: Float32Array;
  private readonly topics: Float32Array[];
  private readonly subtopics: Float32Array[][];

  constructor(readonly dims: number, seed: number, topicCount = 1000, subtopicsPerTopic = 16) {
    this.rand = mulberry32(seed);
    this.mean = this.gaussian(1);
    this.topics = Array.from({ length: topicCount }, () => this.gaussian(1));
    this.subtopics = this.topics.map(() => Array.from({ length: subtopicsPerTopic }, () => this.gaussian(1)));
  }

  /** A fresh "text" vector, unit length. */
  next(): Float32Array {
    const t = Math.floor(this.rand() * this.topics.length);
    const subs = this.subtopics[t]!;
    const s = subs[Math.floor(this.rand() * subs.length)]!;
    const noise = this.gaussian(1);
    const topic = this.topics[t]!;
    const v = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) v[i] = 0.6 * this.mean[i]! + 1.0 * topic[i]! + 0.7 * s[i]! + 0.6 * noise[i]!;
    return unit(v);
  }

  /** A near-duplicate of `v` (a re-worded question): v plus small noise, unit length. */
  perturb(v: Float32Array, amount = 0.15): Float32Array {
    const noise = this.gaussian(1);
    const out = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) out[i] = v[i]! + amount * noise[i]!;
    return unit(out);
  }

  /** A random integer in [0, n). */
  pick(n: number): number {
    return Math.floor(this.rand() * n);
  }

  /** A unit-length Gaussian direction scaled by `scale`. */
  private gaussian(scale: number): Float32Array {
    const v = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i += 2) {
      // Box-Muller: two normals per two uniforms.
      const u = Math.max(this.rand(), 1e-12);
      const r = Math.sqrt(-2 * Math.log(u));
      const a = 2 * Math.PI * this.rand();
      v[i] = r * Math.cos(a);
      if (i + 1 < this.dims) v[i + 1] = r * Math.sin(a);
    }
    const u = unit(v);
    for (let i = 0; i < this.dims; i++) u[i]! *= scale;
    return u;
  }
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

