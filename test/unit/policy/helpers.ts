// Shared helpers for the policy tests: built module bytes, and a foreground pii slot.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PolicySlot } from "../../../src/policy/slot.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS, type SlotConfig } from "../../../src/policy/slots.js";
import { sha256Hex } from "../../../src/policy/validate.js";

export const DIST = join(process.cwd(), "dist", "policy-wasm");

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
