// Builds the `tokens` policy module into dist/policy-wasm/:
//   tokens.wasm         release (-O3), plain Extism I/O + raw exports: the slot's module
//   tokens-hostio.wasm  release, adds *_direct exports that need the `sluice:host` host functions
//   tokens.debug.wasm   unoptimised with assertions, for debugging the plain module
// First regenerates the Unicode class tables from the running Node's Unicode data.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/tokens/build.mjs`.
import asc from "assemblyscript/asc";
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./gen-unicode.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "..", "dist", "policy-wasm");
const started = performance.now();

const tables = generate(join(here, "assembly", "generated", "unicode_classes.ts"));

const common = ["--baseDir", here, "--runtime", "stub", "--use", "abort=assembly/abort/tokensAbort"];
const targets = [
  { entry: "assembly/index.ts", out: "tokens.wasm", flags: ["-O3", "--noAssert"] },
  { entry: "assembly/hostio.ts", out: "tokens-hostio.wasm", flags: ["-O3", "--noAssert"] },
  { entry: "assembly/index.ts", out: "tokens.debug.wasm", flags: ["--debug"] },
];

mkdirSync(outDir, { recursive: true });
for (const target of targets) {
  const outFile = relative(here, join(outDir, target.out));
  const { error } = await asc.main([target.entry, "--outFile", outFile, ...common, ...target.flags], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`tokens: asc failed for ${target.out}: ${error.message}`);
    process.exitCode = 1;
    throw error;
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`tokens: built ${targets.map((t) => t.out).join(", ")} (Unicode ${process.versions.unicode} tables: ${tables.blocks} blocks) in ${seconds} s`);
