// Test module: every `scan` loops forever (validation in a worker must time out).
import { spinForever } from "./misbehave";
import "../../sdk/abort";
export function abi_version(): i32 { return 1; }
export function scan(): i32 { return spinForever(); }
