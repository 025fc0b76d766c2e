// Finds and compiles the built tokens module (dist/policy-wasm/tokens*.wasm, written by
// `npm run build:wasm`). Compiled once per file and process; every engine instantiates it.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { wasmApi, type WasmModule } from "./wasm-api.js";

/** plain: loadable by any Extism host. hostio: needs the `sluice:host` host functions. */
export type ModuleVariant = "plain" | "hostio";

const FILE_NAMES: Record<ModuleVariant, string> = {
  plain: "tokens.wasm",
  hostio: "tokens-hostio.wasm",
};

/**
 * Where the build puts the module, whether this file runs from src/ (tsx, vitest) or dist/;
 * SLUICE_TOKENS_WASM_DIR names another directory holding the built files.
 */
export function defaultWasmPath(variant: ModuleVariant): string {
  const fileName = FILE_NAMES[variant];
  const override = process.env.SLUICE_TOKENS_WASM_DIR;
  if (override) return resolve(override, fileName);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(here, "../../dist/policy-wasm", fileName), // src/tokens -> <repo>/dist/policy-wasm
    resolve(here, "../../policy-wasm", fileName), // dist/src/tokens -> <repo>/dist/policy-wasm
  ];
  return candidates.find((path) => existsSync(path)) ?? (candidates[0] as string);
}

const compiled = new Map<string, Promise<WasmModule>>();

export function loadTokensModule(path: string): Promise<WasmModule> {
  let module = compiled.get(path);
  if (!module) {
    module = compile(path);
    compiled.set(path, module);
    module.catch(() => compiled.delete(path));
  }
  return module;
}

async function compile(path: string): Promise<WasmModule> {
  if (!existsSync(path)) {
    throw new Error(`tokens: WASM module not found at ${path}; build it with \`npm run build:wasm\``);
  }
  return wasmApi.compile(await readFile(path));
}
