// Builds the `pii` policy module into dist/policy-wasm/:
//   pii.wasm         release (-O3), plain Extism I/O: loads in any Extism host
//   pii-hostio.wasm  release, input/output through the `sluice:host` functions (one copy each)
//   pii.debug.wasm, pii-hostio.debug.wasm  debug twins (assertions on, unoptimised) for the tests
// Memory is capped at compile time (--maximumMemory, 64 KiB pages): a call that needs more traps,
// and the host checks the declared maximum against the slot's cap when it loads the module.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/pii/build.mjs`.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ABORT, compileTargets, withDebugTwin } from "../compile.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const PII_MAX_PAGES = 512; // 32 MiB: a 256 KiB prompt needs well under 4 MiB
const started = performance.now();

const common = ["--runtime", "stub", ...ABORT, "--maximumMemory", String(PII_MAX_PAGES)];
const targets = [
  ...withDebugTwin({ entry: "assembly/index.ts", out: "pii.wasm" }),
  ...withDebugTwin({ entry: "assembly/hostio.ts", out: "pii-hostio.wasm" }),
];

await compileTargets("pii", here, targets, common);
console.log(`pii: built ${targets.map((t) => t.out).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
