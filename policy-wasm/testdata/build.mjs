// Builds the test modules into dist/policy-wasm/testdata/ (used by test/unit/policy):
//   trap, loop, oom, garbage  the pii module, misbehaving when the input has "__<kind>__"
//   broken, spin              trap / loop on every call (must fail validation)
//   overcap, nomax            declare more memory than the pii slot allows / no maximum
//   pii-no-phone              the pii module without phone detection (hot-swap behaviour change)
//   pii-aspdk                 the pii module with as-pdk Host.input()/output() (bench/policy)
//   router-faulty             the default router module, misbehaving on "__trap__", "__loop__",
//                             "__oom__", "__garbage__", "__unknown__" in the input
//   tokens-faulty             the tokens module, trapping in `count` on "__trap__" in the input
//                             and looping on "__loop__"
//   tokens-plus-one           the tokens module, counting texts of more than 100 bytes one token
//                             more (passes conformance: a "different tokenizer" for hot swap)
//   guard-faulty              the guard module, trapping on "__trap__", looping on "__loop__",
//                             answering garbage on "__garbage__" in the input
//   guard-strict              the guard module with its bias raised by 1.5 (hot swap: more detections)
// -O1: these only need to behave, not to be fast (pii-aspdk is a bench contender: -O3).
// Run through `npm run build:wasm` or directly: `node policy-wasm/testdata/build.mjs`.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { ABORT, compileTargets } from "../compile.mjs";
import { generate as generateUnicodeClasses } from "../tokens/gen-unicode.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const started = performance.now();
const capped = (pages) => ["--maximumMemory", String(pages)];

// The tokens test modules need the tokens module's generated Unicode tables (git-ignored,
// written by its own build, which may run after this one).
const unicodeClasses = join(here, "..", "tokens", "assembly", "generated", "unicode_classes.ts");
if (!existsSync(unicodeClasses)) generateUnicodeClasses(unicodeClasses);

const targets = [
  { entry: "assembly/trap.ts", out: "trap.wasm", flags: capped(64) },
  { entry: "assembly/loop.ts", out: "loop.wasm", flags: capped(64) },
  { entry: "assembly/oom.ts", out: "oom.wasm", flags: capped(64) },
  { entry: "assembly/garbage.ts", out: "garbage.wasm", flags: capped(64) },
  { entry: "assembly/broken.ts", out: "broken.wasm", flags: capped(16) },
  { entry: "assembly/spin.ts", out: "spin.wasm", flags: capped(16) },
  { entry: "assembly/broken.ts", out: "overcap.wasm", flags: capped(4096) },
  { entry: "assembly/broken.ts", out: "nomax.wasm", flags: [] },
  { entry: "assembly/pii_no_phone.ts", out: "pii-no-phone.wasm", flags: capped(512) },
  { entry: "assembly/pii_aspdk.ts", out: "pii-aspdk.wasm", flags: [...capped(512), "-O3"], runtime: "incremental" },
  { entry: "assembly/router_faulty.ts", out: "router-faulty.wasm", flags: capped(32) },
  { entry: "assembly/tokens_faulty.ts", out: "tokens-faulty.wasm", flags: capped(1024) },
  { entry: "assembly/tokens_plus_one.ts", out: "tokens-plus-one.wasm", flags: capped(1024) },
  { entry: "assembly/guard_faulty.ts", out: "guard-faulty.wasm", flags: capped(512) },
  { entry: "assembly/guard_strict.ts", out: "guard-strict.wasm", flags: capped(512) },
];

// The shared abort handler; each target picks its runtime (stub unless it says otherwise).
const common = [...ABORT, "-O1", "--noAssert"];
await compileTargets(
  "testdata",
  here,
  targets.map((t) => ({ entry: t.entry, out: join("testdata", t.out), flags: ["--runtime", t.runtime ?? "stub", ...t.flags] })),
  common,
);
console.log(`testdata: built ${targets.length} modules in ${((performance.now() - started) / 1000).toFixed(1)} s`);
