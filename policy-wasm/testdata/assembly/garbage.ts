// Test module: the pii module, except that an input containing "__garbage__" makes it garbage.
import { readInput, inputHas, scanNormally, writeGarbage, spinForever, allocateForever } from "./misbehave";
import "../../sdk/abort";
export function abi_version(): i32 { return 1; }
export function scan(): i32 {
  const len = readInput();
  if (inputHas(len, "__garbage__")) { return writeGarbage(); }
  return scanNormally(len);
}
