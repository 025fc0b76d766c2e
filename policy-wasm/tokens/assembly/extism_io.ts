// Plain Extism I/O through the kernel imports (the same calls as as-pdk's Host.input/output,
// but into our own grow-only buffers so nothing is allocated per call).
import {
  input_length, input_load_u64, input_load_u8, alloc, store_u64, store_u8, output_set, error_set,
} from "@extism/as-pdk/lib/env";
import { reserveInput } from "./buffers";
import { OK, errorMessage } from "./errors";

let inputLen: usize = 0;
export function extismInputLength(): usize { return inputLen; }

/** Copies the call's input into the input buffer, 8 bytes per host call. */
export function readExtismInput(): usize {
  const len = input_length();
  inputLen = <usize>len;
  const buf = reserveInput(inputLen);
  let i: u64 = 0;
  for (; i + 8 <= len; i += 8) store<u64>(buf + <usize>i, input_load_u64(i));
  for (; i < len; i++) store<u8>(buf + <usize>i, input_load_u8(i));
  return buf;
}

export function writeExtismOutput(p: usize, len: usize): void {
  const n = <u64>len;
  const block = alloc(n);
  let i: u64 = 0;
  for (; i + 8 <= n; i += 8) store_u64(block + i, load<u64>(p + <usize>i));
  for (; i < n; i++) store_u8(block + i, load<u8>(p + <usize>i));
  output_set(block, n);
}

/** Sets the Extism error for a non-zero code; returns the code (the export's return value). */
export function reportExtismError(code: i32): i32 {
  if (code == OK) return OK;
  const bytes = String.UTF8.encode(errorMessage(code));
  const n = <u64>bytes.byteLength;
  const block = alloc(n);
  const src = changetype<usize>(bytes);
  for (let i: u64 = 0; i < n; i++) store_u8(block + i, load<u8>(src + <usize>i));
  error_set(block);
  return code;
}
