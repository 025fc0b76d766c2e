// Shared by every module's build.mjs: one `asc` run per target, the .wasm written under
// dist/policy-wasm/; a compile error names the module and target and fails the build.
//
// Two builds of a module: release (-O3, assertions compiled out) is what the gateway serves;
// debug (`<name>.debug.wasm`: assertions on, --debug, unoptimised) is what the module tests load,
// so a failed assertion traps there. Debug builds skip the optimiser and cost a fraction of a
// release build; only the targets the tests load get one (withDebugTwin).
import asc from "assemblyscript/asc";
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "policy-wasm");

/** The abort handler of every module (Extism provides no `env.abort`), relative to a module's folder. */
export const ABORT = ["--use", "abort=../sdk/abort/policyAbort"];
export const RELEASE = ["-O3", "--noAssert"];
const DEBUG = ["--debug"];

/** `target` built for release, and its debug twin `<out>.debug.wasm`. */
export function withDebugTwin(target) {
  return [
    { ...target, flags: [...RELEASE, ...(target.flags ?? [])] },
    { ...target, out: target.out.replace(/\.wasm$/, ".debug.wasm"), flags: [...DEBUG, ...(target.flags ?? [])] },
  ];
}

// WASM features beyond asc's defaults, for every target: SIMD (v128), used by the pii module's
// prose filter (pii/assembly/prose.ts) and so by every build that compiles the pii sources
// (testdata variants too). Node 20's V8, hence Extism's JS host, runs it without flags; a module
// that does not use v128 compiles to the same bytes (checked on router.wasm).
const FEATURES = ["--enable", "simd"];

/**
 * @param {string} module  name in messages ("pii", "router", ...)
 * @param {string} baseDir  the module's folder (entries are relative to it)
 * @param {{ entry: string, out: string, flags?: string[] }[]} targets  `out` relative to OUT_DIR
 * @param {string[]} flags  asc flags for every target (a target's own flags come after them)
 */
export async function compileTargets(module, baseDir, targets, flags) {
  for (const target of targets) {
    mkdirSync(dirname(join(OUT_DIR, target.out)), { recursive: true });
    const outFile = relative(baseDir, join(OUT_DIR, target.out));
    const args = [target.entry, "--outFile", outFile, "--baseDir", baseDir, ...FEATURES, ...flags, ...(target.flags ?? [])];
    const { error } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
    if (error) {
      console.error(`${module}: asc failed for ${target.out}: ${error.message}`);
      process.exitCode = 1;
      throw error;
    }
  }
}
