// Test module for the guard slot: the shipped guard module, except that an input containing a
// marker makes it misbehave: "__trap__" traps, "__loop__" loops forever, "__garbage__" answers
// bytes that are not a GuardCheckOutput. It passes the guard conformance vectors (none carries a
// marker), so it loads.
import { inputHas, writeGarbage, spinForever } from "./misbehave";
import { input, readExtismInput, writeExtismOutput } from "../../sdk/extism";
import { output } from "../../sdk/wire";
import { runCheck } from "../../guard/assembly/check";
import { reportExtismError } from "../../guard/assembly/errors";
import "../../sdk/abort";

export function abi_version(): i32 { return 1; }

export function check(): i32 {
  const len = readExtismInput();
  if (inputHas(len, "__trap__")) unreachable();
  if (inputHas(len, "__loop__")) return spinForever();
  if (inputHas(len, "__garbage__")) return writeGarbage();
  const code = runCheck(input.ptr, len);
  if (code != 0) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return 0;
}
