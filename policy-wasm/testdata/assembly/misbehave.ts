// Test modules that are the real pii module until the input carries a marker, then misbehave.
// They pass the slot's conformance vectors (so they load), and show what the host does when a
// module that looked fine traps, loops, runs out of memory or returns garbage in production.
import { input, readExtismInput, writeExtismOutput } from "../../sdk/extism";
import { reportExtismError } from "../../pii/assembly/errors";
import { runScan } from "../../pii/assembly/scan";
import { output } from "../../sdk/wire";
import { alloc, store_u8, output_set } from "@extism/as-pdk/lib/env";

/** Reads the call's input; returns its length. */
export function readInput(): i32 { return readExtismInput(); }

/** Whether the ASCII `marker` occurs in the input. */
export function inputHas(len: i32, marker: string): bool {
  const m = marker.length;
  for (let i = 0; i + m <= len; i++) {
    let k = 0;
    while (k < m && <i32>load<u8>(input.ptr + <usize>(i + k)) == marker.charCodeAt(k)) k++;
    if (k == m) return true;
  }
  return false;
}

/** The normal pii behaviour on the input already read. */
export function scanNormally(len: i32): i32 {
  const code = runScan(input.ptr, len);
  if (code != 0) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return 0;
}

export function writeGarbage(): i32 {
  const block = alloc(6);
  for (let i: u64 = 0; i < 6; i++) store_u8(block + i, 0xff);
  output_set(block, 6);
  return 0;
}

let spins: u64 = 1;
export function spinForever(): i32 {
  while (spins != 0) spins = spins * 6364136223846793005 + 1442695040888963407;
  return <i32>spins;
}

let kept: usize = 0;
export function allocateForever(): i32 {
  for (let i = 0; i < 1 << 20; i++) {
    const block = heap.alloc(1 << 20);
    store<u8>(block, 1);
    kept += block;
  }
  return <i32>kept;
}
