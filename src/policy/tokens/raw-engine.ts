// Runs the plain tokens module with bare WebAssembly (the benchmark baseline): the host writes
// the slot's protobuf input (TokensInitInput, TokensCountInput) straight into module memory and
// reads the output in place, with no Extism kernel in between. The module's Extism imports are
// satisfied by stubs that throw: the raw_* exports never call them.
import { tokensInputBound, writeTokensInput } from "./codec.js";
import { moduleError } from "./errors.js";
import { wasmApi, type WasmImports, type WasmMemory, type WasmModule } from "./wasm-api.js";

interface RawExports {
  memory: WasmMemory;
  raw_reserve(len: number): number;
  raw_init(len: number): number;
  raw_count(len: number): number;
  raw_encode(len: number): number;
  raw_output_ptr(): number;
  raw_output_len(): number;
}

interface RawEngine {
  /** TokensCountOutput / TokensEncodeOutput bytes (a copy owned by the caller). */
  run(operation: "count" | "encode", encoding: string, texts: readonly string[]): Uint8Array;
}

function stubImports(module: WasmModule): WasmImports {
  const imports: Record<string, Record<string, () => never>> = {};
  for (const { module: namespace, name, kind } of wasmApi.Module.imports(module)) {
    if (kind !== "function") throw new Error(`tokens module: unexpected ${kind} import ${namespace}.${name}`);
    (imports[namespace] ??= {})[name] = () => {
      throw new Error(`tokens module: ${namespace}.${name} is not available in raw mode`);
    };
  }
  return imports;
}

/** Instantiates `module` and runs its init with `initInput` (TokensInitInput bytes). */
export async function createRawEngine(module: WasmModule, initInput: Uint8Array): Promise<RawEngine> {
  const instance = await wasmApi.instantiate(module, stubImports(module));
  const exports = instance.exports as unknown as RawExports;
  const at = exports.raw_reserve(initInput.byteLength);
  new Uint8Array(exports.memory.buffer, at, initInput.byteLength).set(initInput);
  const code = exports.raw_init(initInput.byteLength);
  if (code !== 0) throw moduleError(code, "init");
  return {
    run(operation, encoding, texts) {
      const bound = tokensInputBound(encoding, texts);
      const ptr = exports.raw_reserve(bound); // may grow memory: take the buffer afterwards
      const used = writeTokensInput(encoding, texts, new Uint8Array(exports.memory.buffer, ptr, bound));
      const status = operation === "count" ? exports.raw_count(used) : exports.raw_encode(used);
      if (status !== 0) throw moduleError(status, operation);
      return new Uint8Array(exports.memory.buffer, exports.raw_output_ptr(), exports.raw_output_len()).slice();
    },
  };
}
