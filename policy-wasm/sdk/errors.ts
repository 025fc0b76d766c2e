// Error codes a slot export returns (0 = ok). A non-zero return with an Extism error set is how a
// module refuses an input (policy.proto, calling convention); the host reads the message. Every
// slot shares the first codes; a module may add its own above ERR_FIRST_CUSTOM.
import { setExtismError } from "./extism";

export const OK: i32 = 0;
export const ERR_BAD_INPUT: i32 = 1;
export const ERR_ABI_VERSION: i32 = 2;
/** The first code free for a module's own errors. */
export const ERR_FIRST_CUSTOM: i32 = 16;

/** The message of a shared code, for the slot named `slot` and its input message `message`. */
export function standardMessage(slot: string, inputMessage: string, code: i32): string {
  if (code == ERR_BAD_INPUT) return slot + ": malformed " + inputMessage + " (truncated field or unknown wire type)";
  if (code == ERR_ABI_VERSION) return slot + ": unsupported abi_version (this module implements 1)";
  return slot + ": unknown error";
}

/** Refuses the call: sets the Extism error to `message` (ASCII) and returns `code` (non-zero). */
export function fail(code: i32, message: string): i32 {
  assert(code != OK);
  setExtismError(message);
  return code;
}
