// Builds the `router` policy modules into dist/policy-wasm/:
//   router.wasm                  the default: cost-aware with health and latency guards
//                                (rule in assembly/cost_aware.ts)
//   router-strong-for-code.wasm  the example to copy: code or long prompts go to the strongest
//                                usable target first (assembly/strong_for_code.ts)
// Memory is capped at compile time (--maximumMemory, 64 KiB pages) well within the slot's 256:
// the tables are fixed-size (64 candidates); only the input, output and reason buffers grow.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/router/build.mjs`.
import asc from "assemblyscript/asc";
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "..", "dist", "policy-wasm");
export const ROUTER_MAX_PAGES = 32; // 2 MiB
const started = performance.now();

const common = [
  "--baseDir", here, "--runtime", "stub", "--use", "abort=../pii/assembly/abort/piiAbort",
  "-O3", "--noAssert", "--maximumMemory", String(ROUTER_MAX_PAGES),
];
const targets = [
  { entry: "assembly/index.ts", out: "router.wasm" },
  { entry: "assembly/strong_for_code.ts", out: "router-strong-for-code.wasm" },
];

mkdirSync(outDir, { recursive: true });
for (const target of targets) {
  const outFile = relative(here, join(outDir, target.out));
  const { error } = await asc.main([target.entry, "--outFile", outFile, ...common], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`router: asc failed for ${target.out}: ${error.message}`);
    process.exitCode = 1;
    throw error;
  }
}
console.log(`router: built ${targets.map((t) => t.out).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
