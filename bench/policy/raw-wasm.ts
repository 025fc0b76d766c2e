// The same pii module instantiated with plain WebAssembly (no Extism): the baseline. Imports
// are stubs that throw (the raw_* exports never call them); the input is written straight
// into module memory and the output read back from it.
import { readFileSync } from "node:fs";

interface WasmExports {
  memory: { buffer: ArrayBuffer };
  raw_reserve(len: number): number;
  raw_scan(len: number): number;
  raw_output_ptr(): number;
  raw_output_len(): number;
}
interface WasmGlobal {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: Record<string, Record<string, () => never>>): Promise<{ exports: unknown }>;
  Module: { imports(module: unknown): { module: string; name: string }[] };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

export interface RawScanner {
  scan(input: Uint8Array): Uint8Array;
}

export async function rawScanner(path: string): Promise<RawScanner> {
  const module = await wasm.compile(new Uint8Array(readFileSync(path)));
  const imports: Record<string, Record<string, () => never>> = {};
  for (const i of wasm.Module.imports(module)) {
    (imports[i.module] ??= {})[i.name] = () => {
      throw new Error(`raw baseline: unexpected import call ${i.module}.${i.name}`);
    };
  }
  const exports = (await wasm.instantiate(module, imports)).exports as WasmExports;
  return {
    scan(input) {
      const at = exports.raw_reserve(input.byteLength);
      new Uint8Array(exports.memory.buffer, at, input.byteLength).set(input);
      const code = exports.raw_scan(input.byteLength);
      if (code !== 0) throw new Error(`raw scan failed with code ${code}`);
      return new Uint8Array(exports.memory.buffer, exports.raw_output_ptr(), exports.raw_output_len()).slice();
    },
  };
}
