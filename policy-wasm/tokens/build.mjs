// Builds the `tokens` policy module into dist/policy-wasm/:
//   tokens.wasm         release (-O3), plain Extism I/O + raw exports: loads in any Extism host
//   tokens-hostio.wasm  release, the same exports with input/output through the `sluice:host`
//                       host functions (the slot's default module)
//   tokens.debug.wasm, tokens-hostio.debug.wasm  debug twins (assertions on, unoptimised) for the
//                       slot tests (test/unit/policy/tokens-slot.test.ts)
// First regenerates the Unicode class tables from the running Node's Unicode data.
// Run through `npm run build:wasm` (policy-wasm/build.mjs) or directly: `node policy-wasm/tokens/build.mjs`.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ABORT, compileTargets, withDebugTwin } from "../compile.mjs";
import { generate } from "./gen-unicode.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const started = performance.now();

const tables = generate(join(here, "assembly", "generated", "unicode_classes.ts"));

// 64 MiB: both tables (~20 MiB with their piece caches) plus an 8 MiB call's input and output.
// The host checks the declared maximum against the slot's cap (DEFAULT_SLOT_CONFIG.tokens).
const TOKENS_MAX_PAGES = 1024;
const common = ["--runtime", "stub", ...ABORT, "--maximumMemory", String(TOKENS_MAX_PAGES)];
const targets = [
  ...withDebugTwin({ entry: "assembly/index.ts", out: "tokens.wasm" }),
  ...withDebugTwin({ entry: "assembly/hostio.ts", out: "tokens-hostio.wasm" }),
];

await compileTargets("tokens", here, targets, common);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`tokens: built ${targets.map((t) => t.out).join(", ")} (Unicode ${process.versions.unicode} tables: ${tables.blocks} blocks) in ${seconds} s`);
