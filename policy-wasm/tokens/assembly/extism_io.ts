// Input and output for the tokens module's index.ts exports, through the SDK's I/O chosen at build
// (../../sdk/io.ts): plain Extism kernel calls, or `sluice:host` when compiled with
// `--use SLUICE_HOST_IO=1` (how `sluice policy build` makes an author's -hostio build of a module
// that re-exports this one). The input goes into this module's own grow-only buffer so nothing is
// allocated per call.
import { inputLength, copyInput } from "../../sdk/io";
import { setExtismError } from "../../sdk/extism";
import { reserveInput } from "./buffers";
import { OK, errorMessage } from "./errors";

export { writeOutput as writeExtismOutput } from "../../sdk/io";

let inputLen: usize = 0;
export function extismInputLength(): usize { return inputLen; }

/** Copies the call's input into the input buffer. */
export function readExtismInput(): usize {
  const len = inputLength();
  inputLen = <usize>len;
  const buf = reserveInput(inputLen);
  copyInput(buf, len);
  return buf;
}

/** Sets the Extism error for a non-zero code; returns the code (the export's return value). */
export function reportExtismError(code: i32): i32 {
  if (code != OK) setExtismError(errorMessage(code));
  return code;
}
