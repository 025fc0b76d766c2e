// What a tokenizer needs from a loaded module instance: run one batch, give back the output
// bytes (owned by the caller), and release the instance.

export type BatchOperation = "count" | "encode";

export interface TokenEngine {
  run(operation: BatchOperation, texts: readonly string[]): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The module's error codes (assembly/errors.ts). */
const MODULE_ERRORS: Record<number, string> = {
  1: "init (rank table) must be called before count/encode",
  2: "init was already called on this instance",
  3: "malformed rank table",
  4: "malformed batch",
};

export function moduleError(code: number, during: string): Error {
  return new Error(`tokens module: ${during} failed: ${MODULE_ERRORS[code] ?? `error code ${code}`}`);
}
