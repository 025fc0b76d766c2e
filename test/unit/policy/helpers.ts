// Shared helpers for the policy tests: built module bytes, and a foreground pii slot.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { SlotConfig } from "../../../src/policy/host/definitions.js";
import { PolicySlot } from "../../../src/policy/host/slot.js";
import { sha256Hex } from "../../../src/policy/host/version-store.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";

export const DIST = join(process.cwd(), "dist", "policy-wasm");

/** The debug build of a shipped module, for builtModule: `<name>.debug.wasm` (assertions on,
 *  unoptimised; policy-wasm/compile.mjs). The module tests load it, so a failed assertion in
 *  the module traps there; the release builds are what validation, hot swap and the
 *  integration tests load. */
export const debugBuild = (name: "pii" | "pii-hostio" | "router" | "router-hostio" | "tokens" | "tokens-hostio"): string => `${name}.debug`;

/** Bytes of dist/policy-wasm/<name>.wasm; says how to build it when missing. */
export function builtModule(name: string): Uint8Array {
  const path = join(DIST, `${name}.wasm`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build:wasm\``);
  return new Uint8Array(readFileSync(path));
}

export async function loadedSlot(moduleName: string, config: Partial<SlotConfig> = {}): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, ...config });
  const bytes = builtModule(moduleName);
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}
