/** Turns texts into vectors. Every implementation returns L2-normalised vectors of `dims` floats. */
export interface Embedder {
  readonly dims: number;
  /** A short name for logs and metrics ("builtin-lexical", "provider:<model>"). */
  readonly name: string;
  embed(texts: string[]): Promise<Float32Array[] | number[][]>;
}

/** Copies into a Float32Array scaled to unit length (a zero vector stays zero). */
export function normalised(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v as ArrayLike<number>);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/** Cosine of two unit vectors: their dot product. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Embeds one text and returns it as a unit Float32Array, whatever the embedder returned. */
export async function embedOne(embedder: Embedder, text: string): Promise<Float32Array> {
  const [v] = await embedder.embed([text]);
  if (!v || v.length !== embedder.dims) {
    throw new Error(`embedder ${embedder.name} returned ${v?.length ?? 0} dims, expected ${embedder.dims}`);
  }
  return normalised(v);
}
