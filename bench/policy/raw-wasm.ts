// Policy modules instantiated with plain WebAssembly (no Extism): the baselines. Imports are
// stubs that throw (the raw_* exports never call them); the input is written straight into
// module memory and the output read back from it. pii.wasm and tokens.wasm have raw_* exports
// (raw_reserve, raw_scan / raw_init / raw_count / raw_encode, raw_output_ptr, raw_output_len).
import { readFileSync } from "node:fs";
import type { PolicySlot } from "../../src/policy/host/slot.js";

interface WasmExports {
  memory: { buffer: ArrayBuffer };
  raw_reserve(len: number): number;
  raw_output_ptr(): number;
  raw_output_len(): number;
  [name: string]: unknown;
}
interface WasmGlobal {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: Record<string, Record<string, () => never>>): Promise<{ exports: unknown }>;
  Module: { imports(module: unknown): { module: string; name: string }[] };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

export interface RawModule {
  /** Writes `input` into module memory, runs `rawExport(len)`, returns a copy of the output. */
  call(rawExport: string, input: Uint8Array): Uint8Array;
}

export async function rawModule(path: string): Promise<RawModule> {
  const module = await wasm.compile(new Uint8Array(readFileSync(path)));
  const imports: Record<string, Record<string, () => never>> = {};
  for (const i of wasm.Module.imports(module)) {
    (imports[i.module] ??= {})[i.name] = () => {
      throw new Error(`raw baseline: unexpected import call ${i.module}.${i.name}`);
    };
  }
  const exports = (await wasm.instantiate(module, imports)).exports as WasmExports;
  return {
    call(rawExport, input) {
      const at = exports.raw_reserve(input.byteLength); // may grow memory: take the buffer afterwards
      new Uint8Array(exports.memory.buffer, at, input.byteLength).set(input);
      const code = (exports[rawExport] as (len: number) => number)(input.byteLength);
      if (code !== 0) throw new Error(`raw ${rawExport} failed with code ${code}`);
      return new Uint8Array(exports.memory.buffer, exports.raw_output_ptr(), exports.raw_output_len()).slice();
    },
  };
}

export interface RawScanner {
  scan(input: Uint8Array): Uint8Array;
}

export async function rawScanner(path: string): Promise<RawScanner> {
  const raw = await rawModule(path);
  return { scan: (input) => raw.call("raw_scan", input) };
}

/** A stand-in PolicySlot whose calls run `raw` (slot export name -> raw export): the typed slot
 *  APIs (PiiSlot, TokensSlot) then run their host side unchanged over plain WebAssembly. */
export function rawSlot(name: string, exportName: string, raw: RawModule, rawExports: Record<string, string>): PolicySlot {
  return {
    name,
    config: { failMode: "closed" },
    current: () => ({ version: 1, sha256: "", activatedAt: "" }),
    call: async (input: Uint8Array, exportName_ = exportName) => ({ ok: true, output: raw.call(rawExports[exportName_]!, input), version: 1 }),
  } as unknown as PolicySlot;
}
