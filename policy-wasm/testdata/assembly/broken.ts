// Test module: has the pii slot's exports, but every `scan` traps (must fail validation).
import "../../sdk/abort";
export function abi_version(): i32 { return 1; }
export function scan(): i32 {
  unreachable();
  return 0;
}
