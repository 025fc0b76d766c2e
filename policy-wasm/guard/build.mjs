// Builds the `guard` policy module into dist/policy-wasm/:
//   guard.wasm          release (-O3), plain Extism I/O: loads in any Extism host (`builtin:guard`)
//   guard-hostio.wasm   release, input/output through the `sluice:host` functions (one copy
//                       each): the slot's default for trusted slots (`builtin:guard-hostio`)
//   guard.debug.wasm    debug twin (assertions on, unoptimised) for the module tests
// The model's weights are compiled in from assembly/weights.ts, which train/train.mjs generates
// (deterministically, from test/fixtures/guard/) and which is committed: the build does not
// train. Memory is capped at compile time (--maximumMemory, 64 KiB pages): every per-window
// table is fixed-size (16 KiB windows), only the input and output buffers grow.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/guard/build.mjs`.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ABORT, compileTargets, RELEASE, withDebugTwin } from "../compile.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const GUARD_MAX_PAGES = 512; // 32 MiB: a 4 MiB prompt needs its input and output buffers, little else
const started = performance.now();

const common = ["--runtime", "stub", ...ABORT, "--maximumMemory", String(GUARD_MAX_PAGES)];
const targets = [
  ...withDebugTwin({ entry: "assembly/index.ts", out: "guard.wasm" }),
  { entry: "assembly/hostio.ts", out: "guard-hostio.wasm", flags: RELEASE },
];

await compileTargets("guard", here, targets, common);
console.log(`guard: built ${targets.map((t) => t.out).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
