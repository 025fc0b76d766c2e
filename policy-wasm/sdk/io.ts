// Input and output of one call, chosen at build:
//   plain Extism I/O (default): the Extism kernel calls, 8 bytes per call (extism.ts). Loads in
//     any Extism host, trusted or untrusted (worker) slots.
//   one-copy `sluice:host` I/O: build with `--use SLUICE_HOST_IO=1` (`sluice policy build` makes
//     both): the host copies the input straight into module memory and reads the output from it
//     (sluice_host.ts). Faster; loads only in a Sluice trusted slot.
// Only the chosen path is compiled in: a plain build does not import `sluice:host`.
import { input, readExtismInput, copyExtismInput, writeExtismOutput } from "./extism";
import { hostInputLength, hostInputCopy, hostOutputCopy } from "./sluice_host";
import { input_length } from "./extism_kernel";

export { input } from "./extism";

/** Whether this build uses the `sluice:host` functions (decided by `--use SLUICE_HOST_IO=1`). */
// @ts-ignore: isDefined is an AssemblyScript builtin; SLUICE_HOST_IO comes from the build flag
export const HOST_IO: bool = isDefined(SLUICE_HOST_IO);

/** Reads this call's input into `input` (sluice:host, one copy). */
export function readHostInput(): i32 {
  const len = hostInputLength();
  hostInputCopy(input.reserve(<usize>len));
  return <i32>len;
}

/** Hands `len` bytes at `ptr` back as this call's output (sluice:host, one copy). */
export function writeHostOutput(ptr: usize, len: usize): void { hostOutputCopy(ptr, <u32>len); }

/** Reads this call's input into the `input` buffer; returns its length in bytes. */
export function readInput(): i32 {
  // @ts-ignore: compile-time branch, only the taken side is compiled
  if (isDefined(SLUICE_HOST_IO)) return readHostInput();
  return readExtismInput();
}

/** Length of this call's input, for modules that keep their own input buffer (copyInput). */
export function inputLength(): u32 {
  // @ts-ignore: compile-time branch
  if (isDefined(SLUICE_HOST_IO)) return hostInputLength();
  return <u32>input_length();
}

/** Copies this call's `len` input bytes to `dst` (after inputLength()). */
export function copyInput(dst: usize, len: u32): void {
  // @ts-ignore: compile-time branch
  if (isDefined(SLUICE_HOST_IO)) { hostInputCopy(dst); return; }
  copyExtismInput(dst, <u64>len);
}

/** Hands `len` bytes at `ptr` back as this call's output. */
export function writeOutput(ptr: usize, len: usize): void {
  // @ts-ignore: compile-time branch
  if (isDefined(SLUICE_HOST_IO)) { writeHostOutput(ptr, len); return; }
  writeExtismOutput(ptr, len);
}
