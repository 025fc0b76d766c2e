import type { Embedder } from "./embedder.js";

/**
 * The built-in embedder: feature hashing of words, word pairs and character 3/4-grams into a
 * fixed number of dimensions, sublinear term weights, L2-normalised.
 *
 * It is LEXICAL. It finds texts that share words and spellings (re-wordings, typos, casing,
 * punctuation, reordered clauses); it does not know that "car" and "automobile" mean the same,
 * and it can rate two texts with many shared words but opposite meaning as similar. Use the
 * provider embedder for real semantic matching. Its merits: no network, no model download,
 * deterministic across processes and machines, cheap enough to run on every request.
 */
export class LexicalEmbedder implements Embedder {
  readonly name = "builtin-lexical";

  constructor(readonly dims = 384) {
    if (!Number.isInteger(dims) || dims < 16) throw new Error(`lexical embedder dims must be an integer >= 16, got ${dims}`);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedSync(t));
  }

  embedSync(text: string): Float32Array {
    const counts = new Map<number, number>();
    const add = (feature: string, weight: number): void => {
      const h = fnv1a(feature);
      // The top bit picks the sign: collisions then cancel on average instead of piling up.
      const slot = (h & 0x7fffffff) % this.dims;
      const signed = h & 0x80000000 ? -weight : weight;
      counts.set(slot, (counts.get(slot) ?? 0) + signed);
    };
    const norm = text.normalize("NFKC").toLowerCase();
    const words = norm.match(/[\p{L}\p{N}]+/gu) ?? [];
    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    // Function words carry little of a question's meaning: without down-weighting them,
    // "capital of France" and "capital of Spain" look nearly the same.
    for (const [w, n] of tf) add("w:" + w, (STOP_WORDS.has(w) ? STOP_WEIGHT : 1) * (1 + Math.log(n)));
    const content = words.filter((w) => !STOP_WORDS.has(w));
    for (let i = 0; i + 1 < content.length; i++) add("b:" + content[i] + " " + content[i + 1], BIGRAM_WEIGHT);
    // Character n-grams of content words (with boundary marks) catch inflections and typos.
    for (const w of new Set(content)) {
      const padded = `<${w}>`;
      for (const n of [3, 4]) {
        for (let i = 0; i + n <= padded.length; i++) add(`c${n}:` + padded.slice(i, i + n), NGRAM_WEIGHT);
      }
    }
    const v = new Float32Array(this.dims);
    let sum = 0;
    for (const [slot, value] of counts) {
      v[slot] = value;
      sum += value * value;
    }
    const l2 = Math.sqrt(sum);
    if (l2 > 0) for (let i = 0; i < v.length; i++) v[i]! /= l2;
    return v;
  }
}

// Tuned on test/fixtures/cache/prompts.ts (see test/unit/cache/threshold.test.ts): bigrams keep
// word order ("Celsius to Fahrenheit" vs "Fahrenheit to Celsius"), n-grams absorb inflections.
const STOP_WEIGHT = 0.15;
const BIGRAM_WEIGHT = 0.6;
const NGRAM_WEIGHT = 0.25;

/** English function words (plus chat politeness): low weight, not part of bigrams or n-grams. */
const STOP_WORDS = new Set(
  ("a an the of in on at to for from by with about as into over under and or but if then than so " +
    "is are was were be been being am do does did done have has had can could should would will shall may might must " +
    "i me my we our you your he she it its they them their this that these those there here " +
    "what whats which who whom whose when where why how s t please pls thanks thank just really very " +
    "using user assistant tell give explain show").split(" "),
);

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across processes. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
