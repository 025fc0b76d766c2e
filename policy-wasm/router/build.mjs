// Builds the `router` policy modules into dist/policy-wasm/:
//   router-hostio.wasm           the slot's default: cost-aware with health and latency guards
//                                (rule in assembly/cost_aware.ts), input/output through the
//                                `sluice:host` functions (one copy each; trusted slots only)
//   router.wasm                  the same rule, plain Extism I/O: loads in any Extism host and in
//                                an untrusted (worker) slot
//   router-strong-for-code.wasm  the example to copy: code or long prompts go to the strongest
//                                usable target first (assembly/strong_for_code.ts), plain I/O
//   router-strong-for-code-hostio.wasm  the example with `sluice:host` I/O
//   router.debug.wasm, router-hostio.debug.wasm  debug twins of the default rule (assertions on,
//                                unoptimised) for the tests
// Memory is capped at compile time (--maximumMemory, 64 KiB pages) well within the slot's 256:
// the tables are fixed-size (64 candidates); only the input, output and reason buffers grow.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/router/build.mjs`.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ABORT, compileTargets, RELEASE, withDebugTwin } from "../compile.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ROUTER_MAX_PAGES = 32; // 2 MiB
const started = performance.now();

const common = ["--runtime", "stub", ...ABORT, "--maximumMemory", String(ROUTER_MAX_PAGES)];
const targets = [
  ...withDebugTwin({ entry: "assembly/index.ts", out: "router.wasm" }),
  ...withDebugTwin({ entry: "assembly/hostio.ts", out: "router-hostio.wasm" }),
  { entry: "assembly/strong_for_code.ts", out: "router-strong-for-code.wasm", flags: RELEASE },
  { entry: "assembly/strong_for_code_hostio.ts", out: "router-strong-for-code-hostio.wasm", flags: RELEASE },
];

await compileTargets("router", here, targets, common);
console.log(`router: built ${targets.map((t) => t.out).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
