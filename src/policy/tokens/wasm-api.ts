// The few WebAssembly JS API calls this folder uses, typed locally: the project's lib setting
// (ES2023, no DOM) and @types/node 20 declare no `WebAssembly` global, and a global declaration
// here could collide with one added elsewhere later.

/** A compiled module (a real `WebAssembly.Module` at run time). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmImportDescriptor {
  module: string;
  name: string;
  kind: string;
}
export type WasmImports = Record<string, Record<string, (...args: never[]) => unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
  Module: { imports(module: WasmModule): WasmImportDescriptor[] };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
