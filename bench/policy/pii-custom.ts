// Cost of custom PII recognizers (issue 23): the pii slot with 10 `policies.pii.custom` entries
// against the same module with none, same run, seeded prompts with both built-in PII and custom
// ids in them. Two views: a 2 KB request through `PiiSlot.scan` (Extism, sluice:host I/O: what
// the gateway pays per request), and raw scan speed on 1 MiB (plain WebAssembly: the matcher
// alone). Interleaved rounds, median of the rounds' p50; under a minute.
//   npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/pii-custom.js
import { execSync } from "node:child_process";
import { cpus } from "node:os";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PiiCustomRecognizerConfig } from "../../src/gen/sluice/v1/config_pb.js";
import { PolicySlot } from "../../src/policy/host/slot.js";
import { sha256Hex } from "../../src/policy/host/version-store.js";
import type { SlotInit } from "../../src/policy/host/definitions.js";
import { PiiSlot } from "../../src/policy/pii/api.js";
import { decodePiiOutput, encodePiiInput } from "../../src/policy/pii/codec.js";
import { customRecognizersInit, encodePiiInit } from "../../src/policy/pii/custom/recognizers.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, type PiiRules } from "../../src/policy/pii/rules.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../src/policy/slots.js";
import { seededRandom } from "../../test/support/seeded-random.js";
import { promptOfSize } from "./inputs.js";
import { rawModule } from "./raw-wasm.js";
import { calibrationNsPerByte, fmt, percentile, sample } from "./stats.js";

type Entry = Pick<PiiCustomRecognizerConfig, "entity" | "pattern" | "context" | "denyList" | "score" | "minScore" | "ignoreCase">;
const entry = (e: Partial<Entry> & { entity: string }): Entry =>
  ({ pattern: "", context: [], denyList: [], score: undefined, minScore: undefined, ignoreCase: false, ...e });

/** Ten recognizers of the kinds a company adds: id formats, a weak number gated by context,
 *  a case-insensitive one, a deny list of project code names. */
const CUSTOM: Entry[] = [
  entry({ entity: "EMPLOYEE_ID", pattern: "\\bEMP-\\d{6}\\b", context: ["employee", "staff"] }),
  entry({ entity: "CUSTOMER_ID", pattern: "\\bCUST\\d{8}\\b" }),
  entry({ entity: "INVOICE_NUMBER", pattern: "\\bINV-\\d{4}-\\d{5}\\b" }),
  entry({ entity: "TICKET_ID", pattern: "\\btck-[a-f0-9]{4,8}\\b", ignoreCase: true }),
  entry({ entity: "PROJECT_KEY", pattern: "\\bPRJ-[A-Z]{3}-\\d{2,4}\\b" }),
  entry({ entity: "BADGE_NUMBER", pattern: "\\b\\d{5}\\b", score: 0.3, minScore: 0.5, context: ["badge"] }),
  entry({ entity: "INTERNAL_HOST", pattern: "\\b[a-z][a-z0-9-]*\\.corp\\.example\\.net\\b" }),
  entry({ entity: "SKU", pattern: "\\bSKU[0-9A-Z]{6}\\b" }),
  entry({ entity: "ACCOUNT_REF", pattern: "\\bacct(?:[-_ ]?no)?[.:]? ?\\d{6,10}\\b", ignoreCase: true }),
  entry({ entity: "PROJECT_CODENAME", denyList: ["Bluebird", "Night Owl", "Red Kite", "Osprey", "Kestrel", "Hawkeye", "Blue Heron", "Merlin", "Falcon Nine", "Goshawk"] }),
];
const SAMPLES = ["EMP-004211", "CUST00412233", "INV-2026-00411", "TCK-0f3a", "PRJ-ABC-123", "badge 48213", "build-7.corp.example.net", "SKU4X9Q2Z", "acct no. 12345678", "Osprey"];

const DIST = join(process.cwd(), "dist", "policy-wasm");
const ROUNDS = 7;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const CUSTOM_RULES: PiiRules = { ...DEFAULT_PII_RULES, ...Object.fromEntries(CUSTOM.map((e) => [e.entity, "redact" as const])) };

/** A seeded prompt: prose with built-in PII every ~400 bytes and a custom id every ~300. */
function promptWithIds(bytes: number, seed: number): string {
  const random = seededRandom(seed);
  const words = promptOfSize(bytes, seed).split(" ");
  for (let k = 40; k < words.length; k += 45 + Math.floor(random() * 20)) words[k] = SAMPLES[Math.floor(random() * SAMPLES.length)]!;
  return words.join(" ").slice(0, bytes);
}

async function slotWith(init: SlotInit | undefined): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, timeoutMs: 5000, init });
  const bytes = new Uint8Array(readFileSync(join(DIST, "pii-hostio.wasm")));
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`### Custom PII recognizers (issue 23): 10 custom patterns vs none`);
  console.log();
  console.log(`Measured ${new Date().toISOString()} on nproc ${execSync("nproc").toString().trim()} (${cpus()[0]?.model ?? "unknown"}), node ${process.version}; \`uptime\` at start: ${execSync("uptime").toString().trim()}.`);
  console.log(`Load gauge (JS byte loop): ${fmt(calibrationNsPerByte(), 2)} ns/byte. The machine is shared with other helpers' builds and tests.`);
  console.log();

  // ---- per request through the slot
  const none = new PiiSlot(await slotWith(undefined), DEFAULT_PII_RULES);
  const ten = new PiiSlot(await slotWith(customRecognizersInit(CUSTOM, PII_ENTITY_TYPES)), CUSTOM_RULES);
  const texts = ["You are a helpful assistant.", promptWithIds(2048, 2048)];
  const found = (await ten.scan(texts)).findings;
  const foundCustom = found.filter((f) => CUSTOM.some((c) => c.entity === f.entityType)).length;
  const p50 = { none: [] as number[], ten: [] as number[] };
  const cpu = { none: [] as number[], ten: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, slot] of [["none", none], ["ten", ten]] as const) {
      p50[k].push(percentile(await sample(() => slot.scan(texts), 1500), 50));
      // CPU time per call over a batch (process.cpuUsage: less moved by the other jobs on the
      // shared machine than wall-clock time)
      const c0 = process.cpuUsage();
      for (let i = 0; i < 1000; i++) await slot.scan(texts);
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
    }
  }
  console.log(`| 2 KB prompt + system prompt through \`PiiSlot.scan\` (pii-hostio, default rules) | p50 µs (median of ${ROUNDS} rounds) | rounds | ratio | CPU µs per call (median of rounds) | ratio |`);
  console.log("|---|---:|---|---:|---:|---:|");
  console.log(`| no custom recognizers | ${fmt(median(p50.none))} | ${p50.none.map((x) => fmt(x)).join(", ")} | 1.00x | ${fmt(median(cpu.none))} | 1.00x |`);
  console.log(`| 10 custom recognizers on (${foundCustom} custom findings of ${found.length}) | ${fmt(median(p50.ten))} | ${p50.ten.map((x) => fmt(x)).join(", ")} | **${fmt(median(p50.ten) / median(p50.none), 2)}x** | ${fmt(median(cpu.ten))} | **${fmt(median(cpu.ten) / median(cpu.none), 2)}x** |`);
  console.log();

  // ---- raw matcher speed, 1 MiB
  const mb = promptWithIds(1 << 20, 7);
  const rawNone = await rawModule(join(DIST, "pii.wasm"));
  const rawTen = await rawModule(join(DIST, "pii.wasm"));
  rawTen.call("raw_init", encodePiiInit(CUSTOM, PII_ENTITY_TYPES));
  const input = { none: encodePiiInput([mb], DEFAULT_PII_RULES), ten: encodePiiInput([mb], CUSTOM_RULES) };
  const mbps = { none: [] as number[], ten: [] as number[] };
  const cpuBest = { none: Infinity, ten: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of ["none", "ten"] as const) {
      const raw = k === "none" ? rawNone : rawTen;
      const t = await sample(() => raw.call("raw_scan", input[k]), 5, 2);
      mbps[k].push(input[k].byteLength / 1e6 / (percentile(t, 50) / 1e6));
      const c0 = process.cpuUsage();
      raw.call("raw_scan", input[k]);
      const c = process.cpuUsage(c0);
      cpuBest[k] = Math.min(cpuBest[k], c.user + c.system);
    }
  }
  const rawFound = decodePiiOutput(rawTen.call("raw_scan", input.ten), [mb]).findings.length;
  const cpuMbps = (k: "none" | "ten"): number => input[k].byteLength / cpuBest[k];
  console.log(`| raw scan, 1 MiB seeded prose (plain WebAssembly, default rules) | MB/s (median of ${ROUNDS} rounds' p50) | rounds | ratio | MB/s by CPU time (best of ${ROUNDS}) | ratio |`);
  console.log("|---|---:|---|---:|---:|---:|");
  console.log(`| no custom recognizers | ${fmt(median(mbps.none))} | ${mbps.none.map((x) => fmt(x)).join(", ")} | 1.00x | ${fmt(cpuMbps("none"))} | 1.00x |`);
  console.log(`| 10 custom recognizers on (${rawFound} findings) | ${fmt(median(mbps.ten))} | ${mbps.ten.map((x) => fmt(x)).join(", ")} | ${fmt(median(mbps.ten) / median(mbps.none), 2)}x | ${fmt(cpuMbps("ten"))} | ${fmt(cpuMbps("ten") / cpuMbps("none"), 2)}x |`);
  console.log();

  // ---- each recognizer alone, raw, by CPU time: what a pattern's shape costs
  console.log(`| one recognizer alone, raw scan of the same 1 MiB (CPU time, best of 3) | MB/s | vs none |`);
  console.log("|---|---:|---:|");
  for (const c of CUSTOM) {
    const raw = await rawModule(join(DIST, "pii.wasm"));
    raw.call("raw_init", encodePiiInit([c], PII_ENTITY_TYPES));
    const one = encodePiiInput([mb], { ...DEFAULT_PII_RULES, [c.entity]: "redact" });
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const c0 = process.cpuUsage();
      raw.call("raw_scan", one);
      const d = process.cpuUsage(c0);
      best = Math.min(best, d.user + d.system);
    }
    const shown = c.pattern ? `\`${c.pattern.replace(/\|/g, "\\|")}\`${c.ignoreCase ? " (ignore case)" : ""}` : `deny list of ${c.denyList.length} words`;
    console.log(`| ${c.entity}: ${shown} | ${fmt(one.byteLength / best)} | ${fmt(one.byteLength / best / cpuMbps("none"), 2)}x |`);
  }
  console.log();
  console.log(`(run took ${fmt((performance.now() - started) / 1000)} s)`);
}
await main();
