import { readFile, writeFile } from "node:fs/promises";
import type { Neighbor, VectorSpace, VectorSpaceFactory } from "./vector-space.js";

/**
 * The reference: exact cosine over every live vector, stored contiguously (one Float32Array,
 * slots reused after removal). O(n) per search: the yardstick HNSW's recall is measured against,
 * and a fine choice below a few thousand entries.
 */
export class BruteSpace implements VectorSpace {
  readonly kind = "brute";
  private data: Float32Array;
  private labels: number[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];

  constructor(private readonly dims: number, capacity = 1024) {
    this.data = new Float32Array(dims * capacity);
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(label: number, vector: Float32Array): void {
    if (this.slotOf.has(label)) throw new Error(`label ${label} is already in the index`);
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.labels.length;
      this.labels.push(-1);
      if ((slot + 1) * this.dims > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
    }
    this.data.set(vector, slot * this.dims);
    this.labels[slot] = label;
    this.slotOf.set(label, slot);
  }

  addMany(labels: readonly number[], vectors: readonly Float32Array[]): void {
    labels.forEach((label, i) => this.add(label, vectors[i]!));
  }

  has(label: number): boolean {
    return this.slotOf.has(label);
  }

  remove(label: number): void {
    const slot = this.slotOf.get(label);
    if (slot === undefined) return;
    this.slotOf.delete(label);
    this.labels[slot] = -1;
    this.free.push(slot);
  }

  search(vector: Float32Array, k: number): Neighbor[] {
    const n = Math.min(k, this.size);
    if (n <= 0) return [];
    // A small sorted top-k buffer: k is tiny (1-10), so insertion beats a heap.
    const top: Neighbor[] = [];
    const d = this.dims;
    const data = this.data;
    for (let slot = 0; slot < this.labels.length; slot++) {
      const label = this.labels[slot]!;
      if (label < 0) continue;
      const base = slot * d;
      // Four accumulators: independent adds pipeline, which V8 runs faster than one running sum.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i + 3 < d; i += 4) {
        s0 += data[base + i]! * vector[i]!;
        s1 += data[base + i + 1]! * vector[i + 1]!;
        s2 += data[base + i + 2]! * vector[i + 2]!;
        s3 += data[base + i + 3]! * vector[i + 3]!;
      }
      for (; i < d; i++) s0 += data[base + i]! * vector[i]!;
      const s = s0 + s1 + s2 + s3;
      if (top.length < n || s > top[top.length - 1]!.similarity) {
        let at = top.length < n ? top.length : n - 1;
        if (top.length < n) top.push({ label, similarity: s });
        while (at > 0 && top[at - 1]!.similarity < s) {
          top[at] = top[at - 1]!;
          at--;
        }
        top[at] = { label, similarity: s };
      }
    }
    return top;
  }

  /** Label + vector pairs, for persistence. */
  async save(file: string): Promise<void> {
    const count = this.size;
    const buf = Buffer.alloc(8 + count * (8 + this.dims * 4));
    buf.writeUInt32LE(this.dims, 0);
    buf.writeUInt32LE(count, 4);
    let off = 8;
    for (const [label, slot] of this.slotOf) {
      buf.writeDoubleLE(label, off);
      off += 8;
      const v = this.data.subarray(slot * this.dims, (slot + 1) * this.dims);
      Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, off);
      off += this.dims * 4;
    }
    await writeFile(file, buf);
  }
}

export const bruteSpaceFactory: VectorSpaceFactory = {
  kind: "brute",
  create: (dims) => new BruteSpace(dims),
  async load(file, dims, liveLabels) {
    const buf = await readFile(file);
    if (buf.length < 8 || buf.readUInt32LE(0) !== dims) throw new Error("brute-force index file has the wrong header");
    const count = buf.readUInt32LE(4);
    if (buf.length !== 8 + count * (8 + dims * 4)) throw new Error("brute-force index file has the wrong length");
    const space = new BruteSpace(dims, Math.max(16, count));
    let off = 8;
    for (let i = 0; i < count; i++) {
      const label = buf.readDoubleLE(off);
      off += 8;
      space.add(label, new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + dims * 4)));
      off += dims * 4;
    }
    if (space.size !== liveLabels.length || liveLabels.some((l) => !space.has(l))) {
      throw new Error("brute-force index file does not match its manifest");
    }
    return space;
  },
};

