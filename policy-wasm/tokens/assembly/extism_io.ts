// Plain Extism I/O for the tokens module: the shared kernel-call paths (../../sdk/extism.ts),
// into this module's own grow-only input buffer so nothing is allocated per call.
import { input_length } from "../../sdk/extism_kernel";
import { copyExtismInput, setExtismError } from "../../sdk/extism";
import { reserveInput } from "./buffers";
import { OK, errorMessage } from "./errors";

export { writeExtismOutput } from "../../sdk/extism";

let inputLen: usize = 0;
export function extismInputLength(): usize { return inputLen; }

/** Copies the call's input into the input buffer, 8 bytes per host call. */
export function readExtismInput(): usize {
  const len = input_length();
  inputLen = <usize>len;
  const buf = reserveInput(inputLen);
  copyExtismInput(buf, len);
  return buf;
}

/** Sets the Extism error for a non-zero code; returns the code (the export's return value). */
export function reportExtismError(code: i32): i32 {
  if (code != OK) setExtismError(errorMessage(code));
  return code;
}
