// The batch byte layout shared with the module (assembly/batch.ts, README.md):
//   input:  u32 count, then per text u32 byteLength + UTF-8 bytes      (little-endian)
//   count:  u32 count, then u32 tokens per text
//   encode: u32 count, then per text u32 n + n u32 ids
// UTF-8 comes from TextEncoder, which turns lone surrogates into U+FFFD exactly as the
// reference tiktoken bindings do when they receive a JS string.

const utf8 = new TextEncoder();

/** Most bytes the batch of `texts` can take (3 UTF-8 bytes per UTF-16 unit at most). */
export function batchUpperBound(texts: readonly string[]): number {
  let bound = 4;
  for (const text of texts) bound += 4 + text.length * 3;
  return bound;
}

/** Writes the batch into `target` (at least batchUpperBound bytes); returns the bytes used. */
export function writeBatch(texts: readonly string[], target: Uint8Array): number {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(0, texts.length, true);
  let at = 4;
  for (const text of texts) {
    const { written } = utf8.encodeInto(text, target.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
  }
  return at;
}

/** The batch as its own exact-size buffer (what an Extism call takes). */
export function encodeBatch(texts: readonly string[]): Uint8Array {
  const scratch = new Uint8Array(batchUpperBound(texts));
  return scratch.slice(0, writeBatch(texts, scratch));
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeCounts(output: Uint8Array, expected: number): number[] {
  const view = viewOf(output);
  const count = view.getUint32(0, true);
  if (count !== expected || output.byteLength !== 4 + 4 * count) {
    throw new Error(`tokens module: count output for ${count} texts, expected ${expected}`);
  }
  const counts = new Array<number>(count);
  for (let i = 0; i < count; i++) counts[i] = view.getUint32(4 + 4 * i, true);
  return counts;
}

export function decodeIds(output: Uint8Array, expected: number): Uint32Array[] {
  const view = viewOf(output);
  const count = view.getUint32(0, true);
  if (count !== expected) throw new Error(`tokens module: encode output for ${count} texts, expected ${expected}`);
  const result: Uint32Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const n = view.getUint32(at, true);
    at += 4;
    if (at + 4 * n > output.byteLength) throw new Error("tokens module: encode output is truncated");
    const ids = new Uint32Array(n);
    for (let k = 0; k < n; k++) ids[k] = view.getUint32(at + 4 * k, true);
    result.push(ids);
    at += 4 * n;
  }
  return result;
}
