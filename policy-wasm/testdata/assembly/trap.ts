// Test module: the pii module, except that an input containing "__trap__" makes it trap.
import { readInput, inputHas, scanNormally, writeGarbage, spinForever, allocateForever } from "./misbehave";
import "../../sdk/abort";
export function abi_version(): i32 { return 1; }
export function scan(): i32 {
  const len = readInput();
  if (inputHas(len, "__trap__")) { unreachable(); }
  return scanNormally(len);
}
