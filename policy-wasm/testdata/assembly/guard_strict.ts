// Test module for hot swap of the guard slot: the shipped guard module with its bias raised by 1.5
// (what retraining with a looser calibration does): borderline prompts the shipped module lets
// through score above 0.5 here. It passes the guard conformance vectors, so it loads.
import { input, readExtismInput, writeExtismOutput } from "../../sdk/extism";
import { output } from "../../sdk/wire";
import { runCheck } from "../../guard/assembly/check";
import { reportExtismError } from "../../guard/assembly/errors";
import { setLogitOffset } from "../../guard/assembly/model";
import "../../sdk/abort";

export function abi_version(): i32 { return 1; }

export function check(): i32 {
  setLogitOffset(1.5);
  const len = readExtismInput();
  const code = runCheck(input.ptr, len);
  if (code != 0) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return 0;
}
