// Test module: the pii module, except that an input containing "__oom__" makes it oom.
import { readInput, inputHas, scanNormally, writeGarbage, spinForever, allocateForever } from "./misbehave";
import "../../sdk/abort";
export function abi_version(): i32 { return 1; }
export function scan(): i32 {
  const len = readInput();
  if (inputHas(len, "__oom__")) { return allocateForever(); }
  return scanNormally(len);
}
