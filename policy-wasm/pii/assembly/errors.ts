// Compact error codes returned by the exports (0 = ok); the Extism entries also set the message.
export const OK: i32 = 0;
export const ERR_BAD_INPUT: i32 = 1;
export const ERR_ABI_VERSION: i32 = 2;

export function errorMessage(code: i32): string {
  switch (code) {
    case ERR_BAD_INPUT: return "pii: malformed PiiScanInput (truncated field or unknown wire type)";
    case ERR_ABI_VERSION: return "pii: unsupported abi_version (this module implements 1)";
    default: return "pii: unknown error";
  }
}
