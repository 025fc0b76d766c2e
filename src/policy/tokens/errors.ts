// The tokens module's error codes (policy-wasm/tokens/assembly/errors.ts; test/unit/policy/
// codec-fields.test.ts checks both lists agree), for the raw WebAssembly engine, which gets a
// bare code where Extism gets the module's message.
export const TOKENS_MODULE_ERRORS: Readonly<Record<number, string>> = {
  1: "init (the rank tables) must be called before count/encode",
  2: "init was already called on this instance",
  3: "malformed TokensInitInput or rank table",
  4: "malformed input",
  5: "unsupported abi_version",
  6: "unknown encoding",
  7: "no rank table for this encoding",
};

/** The error for a non-zero code returned by the module during `during` (init, count, encode). */
export function moduleError(code: number, during: string): Error {
  return new Error(`tokens module: ${during} failed: ${TOKENS_MODULE_ERRORS[code] ?? `error code ${code}`}`);
}
