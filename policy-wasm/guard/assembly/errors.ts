// Error codes returned by the exports (0 = ok): the SDK's shared codes (../../sdk/errors.ts);
// the Extism entries also set the message.
import { OK, standardMessage, fail } from "../../sdk/errors";

export { OK, ERR_BAD_INPUT, ERR_ABI_VERSION } from "../../sdk/errors";

export function errorMessage(code: i32): string { return standardMessage("guard", "GuardCheckInput", code); }

/** Sets the Extism error for a non-zero code; returns the code. */
export function reportExtismError(code: i32): i32 {
  return code == OK ? OK : fail(code, errorMessage(code));
}
