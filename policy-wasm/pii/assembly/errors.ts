// Error codes returned by the exports (0 = ok): the SDK's shared codes (../../sdk/errors.ts);
// the Extism entries also set the message.
import { OK, ERR_FIRST_CUSTOM, standardMessage, fail } from "../../sdk/errors";

export { OK, ERR_BAD_INPUT, ERR_ABI_VERSION } from "../../sdk/errors";
/** init was called twice on one instance (custom recognizers are set once, at load). */
export const ERR_INIT_AGAIN: i32 = ERR_FIRST_CUSTOM;
/** The init data (custom recognizers) is malformed. */
export const ERR_BAD_INIT: i32 = ERR_FIRST_CUSTOM + 1;

export function errorMessage(code: i32): string {
  if (code == ERR_INIT_AGAIN) return "pii: init was already called on this instance";
  if (code == ERR_BAD_INIT) return "pii: malformed custom recognizer in PiiInitInput (program, score or name)";
  return standardMessage("pii", "PiiScanInput", code);
}

/** Sets the Extism error for a non-zero code; returns the code. */
export function reportExtismError(code: i32): i32 {
  return code == OK ? OK : fail(code, errorMessage(code));
}
