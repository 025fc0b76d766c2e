// Finds and compiles the built tokens module (dist/policy-wasm/tokens*.wasm, written by
// `npm run build:wasm`). Compiled once per file and process; every engine instantiates it.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_BUILTIN_DIR } from "../host/host.js";
import { wasmApi, type WasmModule } from "./wasm-api.js";

/** plain: loadable by any Extism host. hostio: needs the `sluice:host` host functions. */
type ModuleVariant = "plain" | "hostio";

const FILE_NAMES: Record<ModuleVariant, string> = {
  plain: "tokens.wasm",
  hostio: "tokens-hostio.wasm",
};

/**
 * Where the build puts the module (the builtin modules' directory, DEFAULT_BUILTIN_DIR);
 * SLUICE_TOKENS_WASM_DIR names another directory holding the built files.
 */
export function defaultWasmPath(variant: ModuleVariant): string {
  const fileName = FILE_NAMES[variant];
  const override = process.env.SLUICE_TOKENS_WASM_DIR;
  return override ? resolve(override, fileName) : join(DEFAULT_BUILTIN_DIR, fileName);
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
