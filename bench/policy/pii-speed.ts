// PII scan speed with every entity type on (issue 22), against the same module with only the
// 17 types it had before and, when given, the module built from the commit before issue 22.
//   npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/pii-speed.js [--base path/to/old/dist/policy-wasm]
// (--base: `git archive 81e2c53 policy-wasm | tar -x -C /tmp/piibase`, link node_modules, run
// `node policy-wasm/pii/build.mjs` there.) Seeded prompts (inputs.ts), interleaved rounds,
// median of the rounds' p50; under a minute on the shared machine.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PolicySlot } from "../../src/policy/host/slot.js";
import { sha256Hex } from "../../src/policy/host/version-store.js";
import { PiiSlot } from "../../src/policy/pii/api.js";
import { decodePiiOutput, encodePiiInput } from "../../src/policy/pii/codec.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, type PiiRules } from "../../src/policy/pii/rules.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../src/policy/slots.js";
import { promptOfSize } from "./inputs.js";
import { rawScanner, type RawScanner } from "./raw-wasm.js";
import { calibrationNsPerByte, fmt, percentile, sample } from "./stats.js";

const DIST = join(process.cwd(), "dist", "policy-wasm");
const ROUNDS = 5;
const OLD_TYPES = PII_ENTITY_TYPES.slice(0, 17);
const rulesOf = (types: readonly string[]): PiiRules => Object.fromEntries(types.map((t) => [t, "report" as const]));
const ALL: PiiRules = rulesOf(PII_ENTITY_TYPES);
const OLD: PiiRules = rulesOf(OLD_TYPES);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const baseArg = process.argv.indexOf("--base");
const baseDir = baseArg > 0 ? process.argv[baseArg + 1] : undefined;

async function slotFrom(path: string): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, timeoutMs: 5000 });
  const bytes = new Uint8Array(readFileSync(path));
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}

async function main(): Promise<void> {
  console.log(`## PII scan speed (issue 22), ${new Date().toISOString()}, node ${process.version}, nproc ${execSync("nproc").toString().trim()}, uptime: ${execSync("uptime").toString().trim()}`);
  console.log(`load gauge (JS byte loop): ${fmt(calibrationNsPerByte(), 2)} ns/byte`);
  const raw = await rawScanner(join(DIST, "pii.wasm"));
  const base: RawScanner | undefined = baseDir ? await rawScanner(join(baseDir, "pii.wasm")) : undefined;
  const mb = promptOfSize(1 << 20, 7);
  const inputs = { all: encodePiiInput([mb], ALL), old: encodePiiInput([mb], OLD) };
  const mbps = { all: [] as number[], old: [] as number[], base: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of ["all", "old"] as const) {
      const t = await sample(() => raw.scan(inputs[k]), 5, 2);
      mbps[k].push(inputs[k].byteLength / 1e6 / (percentile(t, 50) / 1e6));
    }
    if (base) {
      const t = await sample(() => base.scan(inputs.old), 5, 2);
      mbps.base.push(inputs.old.byteLength / 1e6 / (percentile(t, 50) / 1e6));
    }
  }
  // CPU time of one scan, best of 15 interleaved (process.cpuUsage: time the process ran, so
  // less moved by the other jobs on the shared machine than wall-clock time)
  const cpuBest = { all: Infinity, old: Infinity, base: Infinity };
  for (let r = 0; r < 15; r++) {
    for (const k of ["all", "old", "base"] as const) {
      const scanner = k === "base" ? base : raw;
      if (!scanner) continue;
      const c0 = process.cpuUsage();
      scanner.scan(k === "all" ? inputs.all : inputs.old);
      const c = process.cpuUsage(c0);
      cpuBest[k] = Math.min(cpuBest[k], c.user + c.system);
    }
  }
  const cpuMbps = (k: "all" | "old" | "base"): string => fmt(inputs.old.byteLength / cpuBest[k]);
  const foundAll = decodePiiOutput(raw.scan(inputs.all), [mb]).findings.length;
  const foundOld = decodePiiOutput(raw.scan(inputs.old), [mb]).findings.length;
  console.log("\n| raw scan, 1 MiB seeded prose (plain WebAssembly) | MB/s (median of rounds' p50) | rounds | vs before issue 22 | MB/s by CPU time (best of 15) |");
  console.log("|---|---:|---|---:|---:|");
  const b = base ? median(mbps.base) : NaN;
  const ratio = (x: number): string => (base ? `${fmt(x / b, 2)}x` : "-");
  if (base) console.log(`| module before issue 22 (81e2c53), its 17 types (${foundOld} findings) | ${fmt(b)} | ${mbps.base.map((x) => fmt(x)).join(", ")} | 1.00x | ${cpuMbps("base")} |`);
  console.log(`| this module, the same 17 types | ${fmt(median(mbps.old))} | ${mbps.old.map((x) => fmt(x)).join(", ")} | ${ratio(median(mbps.old))} | ${cpuMbps("old")} |`);
  console.log(`| this module, all ${PII_ENTITY_TYPES.length} types (${foundAll} findings) | **${fmt(median(mbps.all))}** | ${mbps.all.map((x) => fmt(x)).join(", ")} | ${ratio(median(mbps.all))} | ${cpuMbps("all")} |`);

  // a 2 KB prompt through the slot (Extism, sluice:host I/O), system prompt beside it
  const hostio = await slotFrom(join(DIST, "pii-hostio.wasm"));
  const baseSlot = baseDir ? await slotFrom(join(baseDir, "pii-hostio.wasm")) : undefined;
  const texts = ["You are a helpful assistant.", promptOfSize(2048, 2048)];
  const paths: [string, PiiSlot][] = [
    ["this module, default rules", new PiiSlot(hostio, DEFAULT_PII_RULES)],
    [`this module, all ${PII_ENTITY_TYPES.length} types`, new PiiSlot(hostio, ALL)],
  ];
  if (baseSlot) paths.unshift(["module before issue 22, default rules", new PiiSlot(baseSlot, DEFAULT_PII_RULES)]);
  const p50s = new Map<string, number[]>(paths.map(([n]) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, slot] of paths) p50s.get(name)!.push(percentile(await sample(() => slot.scan(texts), 1500), 50));
  }
  console.log("\n| 2 KB prompt + system prompt through `PiiSlot.scan` (pii-hostio) | p50 µs | rounds |");
  console.log("|---|---:|---|");
  for (const [name, xs] of p50s) console.log(`| ${name} | ${fmt(median(xs))} | ${xs.map((x) => fmt(x)).join(", ")} |`);
  await hostio.close();
  await baseSlot?.close();
}
await main();
