// Runs the plain tokens module with bare WebAssembly: the host encodes the batch straight into
// module memory and reads the result in place, with no Extism kernel in between. The module's
// Extism imports are satisfied by stubs that throw: the raw_* exports never call them.
import { batchUpperBound, writeBatch } from "./batch-codec.js";
import { wasmApi, type WasmImports, type WasmMemory, type WasmModule } from "./wasm-api.js";
import { moduleError, type BatchOperation, type TokenEngine } from "./engine.js";

interface RawExports {
  memory: WasmMemory;
  raw_reserve(len: number): number;
  raw_init(len: number): number;
  raw_count(len: number): number;
  raw_encode(len: number): number;
  raw_output_ptr(): number;
  raw_output_len(): number;
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

export async function createRawEngine(module: WasmModule, rankBlob: Uint8Array): Promise<TokenEngine> {
  const instance = await wasmApi.instantiate(module, stubImports(module));
  const exports = instance.exports as unknown as RawExports;
  const at = exports.raw_reserve(rankBlob.byteLength);
  new Uint8Array(exports.memory.buffer, at, rankBlob.byteLength).set(rankBlob);
  const code = exports.raw_init(rankBlob.byteLength);
  if (code !== 0) throw moduleError(code, "init");

  let closed = false;
  return {
    async run(operation: BatchOperation, texts: readonly string[]): Promise<Uint8Array> {
      if (closed) throw new Error("tokens: tokenizer is closed");
      const bound = batchUpperBound(texts);
      const ptr = exports.raw_reserve(bound); // may grow memory: take the buffer afterwards
      const used = writeBatch(texts, new Uint8Array(exports.memory.buffer, ptr, bound));
      const status = operation === "count" ? exports.raw_count(used) : exports.raw_encode(used);
      if (status !== 0) throw moduleError(status, operation);
      const out = exports.raw_output_ptr();
      return new Uint8Array(exports.memory.buffer, out, exports.raw_output_len()).slice();
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
