import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of Sluice's AssemblyScript sources (policy-wasm/: the SDK in sdk/, the shipped
 * modules beside it), found from this file whether it runs from src/ (tests) or dist/src/.
 */
export function policyWasmDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    if (existsSync(join(dir, "policy-wasm", "sdk", "package.json"))) return join(dir, "policy-wasm");
    dir = dirname(dir);
  }
  throw new Error("cannot find policy-wasm/sdk next to the sluice installation");
}
