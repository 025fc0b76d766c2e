// Compact error codes shared by every entry point. An export returns one of these (0 = ok);
// the Extism entries also set the matching message through `error_set`.
export const OK: i32 = 0;
export const ERR_NOT_INITIALISED: i32 = 1;
export const ERR_ALREADY_INITIALISED: i32 = 2;
export const ERR_BAD_RANKS: i32 = 3;
export const ERR_BAD_INPUT: i32 = 4;
export const ERR_ABI_VERSION: i32 = 5;
export const ERR_UNKNOWN_ENCODING: i32 = 6;
export const ERR_ENCODING_NOT_LOADED: i32 = 7;

export function errorMessage(code: i32): string {
  switch (code) {
    case ERR_NOT_INITIALISED: return "tokens: init (TokensInitInput with the rank tables) must be called before count/encode";
    case ERR_ALREADY_INITIALISED: return "tokens: init was already called on this instance";
    case ERR_BAD_RANKS: return "tokens: malformed TokensInitInput (no table, a repeated or unknown encoding, or a bad rank blob)";
    case ERR_BAD_INPUT: return "tokens: malformed input (truncated field or unknown wire type)";
    case ERR_ABI_VERSION: return "tokens: unsupported abi_version (this module implements 1)";
    case ERR_UNKNOWN_ENCODING: return "tokens: unknown encoding (known: cl100k_base, o200k_base)";
    case ERR_ENCODING_NOT_LOADED: return "tokens: init gave no rank table for this encoding";
    default: return "tokens: unknown error";
  }
}
