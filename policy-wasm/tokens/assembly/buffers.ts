// Grow-only scratch buffers. The module runs with the stub runtime (a bump allocator, no GC):
// tables are allocated once at init and the buffers below only grow (doubling), so the hot loop
// never allocates and the waste stays below twice the largest request seen. The output buffer is
// the one every module shares (../../sdk/wire.ts).

/** Bytes kept readable past every buffer's end: the hash and the piece cache read whole 8-byte
 *  words, up to 15 bytes past a short piece (hash.ts shortWord1). */
export const SLACK: usize = 16;

@inline function capacityFor(oldCap: usize, needed: usize): usize {
  let cap = oldCap > 0 ? oldCap : <usize>4096;
  while (cap < needed + SLACK) cap <<= 1;
  return cap;
}

function reallocate(old: usize, cap: usize): usize {
  if (old != 0) heap.free(old); // the stub runtime reclaims it only when it is the last block
  const fresh = heap.alloc(cap);
  memory.fill(fresh, 0, cap);
  return fresh;
}

let inputPtr: usize = 0;
let inputCap: usize = 0;
/** A buffer for the next input of `len` bytes (+ slack); its contents are not kept. */
export function reserveInput(len: usize): usize {
  if (len + SLACK > inputCap) {
    inputCap = capacityFor(inputCap, len);
    inputPtr = reallocate(inputPtr, inputCap);
  }
  return inputPtr;
}

let scratchPtr: usize = 0;
let scratchCap: usize = 0;
/** Per-piece BPE arrays, sized by the longest piece seen so far. */
export function reserveScratch(bytes: usize): usize {
  if (bytes + SLACK > scratchCap) {
    scratchCap = capacityFor(scratchCap, bytes);
    scratchPtr = reallocate(scratchPtr, scratchCap);
  }
  return scratchPtr;
}
