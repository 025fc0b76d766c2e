// Compact error codes shared by every entry point. An export returns one of these (0 = ok);
// the Extism entries also set the matching message through `error_set`.
export const OK: i32 = 0;
export const ERR_NOT_INITIALISED: i32 = 1;
export const ERR_ALREADY_INITIALISED: i32 = 2;
export const ERR_BAD_RANKS: i32 = 3;
export const ERR_BAD_BATCH: i32 = 4;

export function errorMessage(code: i32): string {
  switch (code) {
    case ERR_NOT_INITIALISED: return "tokens: init (rank table) must be called before count/encode";
    case ERR_ALREADY_INITIALISED: return "tokens: init was already called; create a new instance for another encoding";
    case ERR_BAD_RANKS: return "tokens: malformed rank table (bad magic, version, pattern or lengths)";
    case ERR_BAD_BATCH: return "tokens: malformed batch (count or a text length runs past the input)";
    default: return "tokens: unknown error";
  }
}
