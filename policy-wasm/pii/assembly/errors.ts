// Compact error codes returned by the exports (0 = ok); the Extism entries also set the message.
import { setExtismError } from "../../shared/io";

export const OK: i32 = 0;
export const ERR_BAD_INPUT: i32 = 1;
export const ERR_ABI_VERSION: i32 = 2;
export const ERR_INIT_AGAIN: i32 = 3;
export const ERR_BAD_INIT: i32 = 4;

export function errorMessage(code: i32): string {
  switch (code) {
    case ERR_BAD_INPUT: return "pii: malformed PiiScanInput (truncated field or unknown wire type)";
    case ERR_ABI_VERSION: return "pii: unsupported abi_version (this module implements 1)";
    case ERR_INIT_AGAIN: return "pii: init was already called on this instance";
    case ERR_BAD_INIT: return "pii: malformed custom recognizer in PiiInitInput (program, score or name)";
    default: return "pii: unknown error";
  }
}

/** Sets the Extism error for a non-zero code; returns the code. */
export function reportExtismError(code: i32): i32 {
  if (code != OK) setExtismError(errorMessage(code));
  return code;
}
