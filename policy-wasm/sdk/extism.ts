// Plain Extism input, output and errors for every module: the kernel's input_load_u64 /
// store_u64 calls (8 bytes per host call, what as-pdk's Host.input/output do, but into a
// grow-only buffer so nothing is allocated per call). The one-copy path is sluice_host.ts.
// Each module turns its own error codes into messages and hands them to setExtismError.
import {
  input_length, input_load_u64, input_load_u8, alloc, store_u64, store_u8, output_set, error_set,
} from "./extism_kernel";
import { ByteBuffer } from "./buffers";

export const input = new ByteBuffer();

export function readExtismInput(): i32 {
  const len = input_length();
  copyExtismInput(input.reserve(<usize>len), len);
  return <i32>len;
}

/** Copies the call's `len` input bytes to `dst`, 8 bytes per kernel call (modules with their
 *  own input buffer, like tokens, call this directly). */
export function copyExtismInput(dst: usize, len: u64): void {
  let i: u64 = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dst + <usize>i, input_load_u64(i));
  for (; i < len; i++) store<u8>(dst + <usize>i, input_load_u8(i));
}

export function writeExtismOutput(p: usize, len: usize): void {
  const n = <u64>len;
  const block = alloc(n);
  let i: u64 = 0;
  for (; i + 8 <= n; i += 8) store_u64(block + i, load<u64>(p + <usize>i));
  for (; i < n; i++) store_u8(block + i, load<u8>(p + <usize>i));
  output_set(block, n);
}

/** Sets the call's Extism error (the host reads it as the call's failure). `message` is ASCII:
 *  every module's messages are, and copying char codes allocates nothing. */
export function setExtismError(message: string): void {
  const n = <u64>message.length;
  const block = alloc(n);
  for (let i: u64 = 0; i < n; i++) store_u8(block + i, <u8>message.charCodeAt(<i32>i));
  error_set(block);
}
