// Grow-only buffers. Every module runs with the stub runtime (a bump allocator, no GC): buffers only
// grow (doubling), so the scan loop never allocates and waste stays below twice the largest call.

function grow(old: usize, oldCap: usize, needed: usize, keep: usize): usize {
  let cap = oldCap > 0 ? oldCap : <usize>4096;
  while (cap < needed) cap <<= 1;
  const fresh = heap.alloc(cap);
  if (keep > 0) memory.copy(fresh, old, keep);
  if (old != 0) heap.free(old);
  growCap = cap;
  return fresh;
}
let growCap: usize = 0;

/** A growable byte buffer: `ensure` keeps the bytes written so far. */
export class ByteBuffer {
  ptr: usize = 0;
  cap: usize = 0;
  len: usize = 0;
  @inline ensure(extra: usize): void {
    if (this.len + extra > this.cap) this.regrow(this.len + extra);
  }
  regrow(needed: usize): void {
    this.ptr = grow(this.ptr, this.cap, needed, this.len);
    this.cap = growCap;
  }
  /** Room for `size` bytes, contents not kept (input buffers). */
  reserve(size: usize): usize {
    if (size + 16 > this.cap) {
      this.len = 0;
      this.regrow(size + 16);
    }
    return this.ptr;
  }
}

/** A growable list of i32 (spans, text offsets). */
export class IntList {
  ptr: usize = 0;
  cap: usize = 0; // in bytes
  count: i32 = 0;
  @inline push(v: i32): void {
    const at = <usize>this.count << 2;
    if (at + 4 > this.cap) {
      this.ptr = grow(this.ptr, this.cap, at + 4, at);
      this.cap = growCap;
    }
    store<i32>(this.ptr + at, v);
    this.count++;
  }
  @inline get(i: i32): i32 { return load<i32>(this.ptr + (<usize>i << 2)); }
  @inline set(i: i32, v: i32): void { store<i32>(this.ptr + (<usize>i << 2), v); }
}
