// Policy benchmark (issue 4): PII accuracy per type, raw scan speed, cost through the host per
// prompt size against plain WebAssembly, the policy cost of one 2 KB request, the router slot,
// and the total cost of every slot on one request.
//   npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/run.js [--write] [--router] [--total]
// --write replaces the "## WASM policy core (issue 4)" section of bench/RESULTS.md; with
// --router (the router slot) or --total (every slot on one request) only that part runs, and
// --write replaces only its subsection there.
import { execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { PolicySlot } from "../../src/policy/host/slot.js";
import { LocalVersionStore, sha256Hex } from "../../src/policy/host/version-store.js";
import { PiiSlot } from "../../src/policy/pii/api.js";
import { decodePiiOutput, encodePiiInput } from "../../src/policy/pii/codec.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, type PiiRules } from "../../src/policy/pii/rules.js";
import { PolicyHost } from "../../src/policy/policy-host.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../src/policy/slots.js";
import { isScored, loadCorpus, scoreCorpus, SUPPORTED_CORPUS_TYPES } from "../../test/unit/policy/pii-corpus.js";
import { promptOfSize } from "./inputs.js";
import { rawScanner } from "./raw-wasm.js";
import { calibrationNsPerByte, fmt, percentile, sample } from "./stats.js";
import { routerBench } from "./router.js";
import { totalBench } from "./total.js";

const ROOT = process.cwd();
const DIST = join(ROOT, "dist", "policy-wasm");
const ALL_TYPES: PiiRules = Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, "report" as const]));
const ROUNDS = 5;
const REQUEST_ROUNDS = 9;
const range = (xs: number[]): string => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function slotFor(name: string, trusted = true): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, trusted, timeoutMs: 2000 });
  const bytes = new Uint8Array(readFileSync(join(DIST, `${name}.wasm`)));
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const out = (s = "") => { lines.push(s); console.log(s); };
  if (process.argv.includes("--router")) return partOnly(lines, out, "router");
  if (process.argv.includes("--total")) return partOnly(lines, out, "total");
  const load = execSync("uptime").toString().trim();
  const cpu = cpus()[0]?.model ?? "unknown";
  const plain = await slotFor("pii");
  const hostio = await slotFor("pii-hostio");
  const aspdk = await slotFor("testdata/pii-aspdk");
  const worker = await slotFor("pii", false);
  const raw = await rawScanner(join(DIST, "pii.wasm"));

  out("## WASM policy core (issue 4)");
  out();
  out(`Measured ${new Date().toISOString()} on nproc ${execSync("nproc").toString().trim()} (${cpu}), node ${process.version}; \`uptime\` at start: ${load}.`);
  out("The machine is shared with other engineers' builds and tests: each size interleaves the contenders round by round");
  out(`(${ROUNDS} rounds, median of the rounds' p50) and the ratios matter more than absolute numbers.`);
  out();
  out("Command: `npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/run.js --write`");
  out();

  // ---- accuracy
  const rows = loadCorpus().filter((r) => (SUPPORTED_CORPUS_TYPES as readonly string[]).includes(r.entity));
  const scored = rows.filter(isScored);
  const scores = await scoreCorpus(new PiiSlot(hostio), scored);
  out("### PII accuracy on `pii_cases.jsonl` (Presidio recognizer tests)");
  out();
  out("One row at a time with only its entity type enabled (as the source tests call one recognizer); exact span match");
  out("(UTF-16 start/end), count match where `positions_complete` is false.");
  out();
  out("| type | rows | TP | FP | FN | precision | recall | F1 |");
  out("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const type of SUPPORTED_CORPUS_TYPES) {
    const s = scores.get(type)!;
    out(`| ${type} | ${s.rows} | ${s.tp} | ${s.fp} | ${s.fn} | ${fmt(s.precision, 3)} | ${fmt(s.recall, 3)} | ${fmt(s.f1, 3)} |`);
  }
  const excluded = rows.filter((r) => !isScored(r));
  const excludedScore = await scoreCorpus(new PiiSlot(hostio), excluded);
  const ex = excludedScore.get("PHONE_NUMBER");
  out();
  out(`Not scored: ${excluded.length} PHONE_NUMBER rows written for non-default libphonenumber leniency (0, 2, 3; the default is 1).`);
  if (ex) out(`On those rows the module gets TP ${ex.tp}, FP ${ex.fp}, FN ${ex.fn}: ${ex.misses.map((m) => `\`${m.replace(/`/g, "'")}\``).join("; ") || "no misses"}.`);
  // cross-type noise: every type on, over rows of entity types the module does not support
  const others = loadCorpus().filter((r) => !(SUPPORTED_CORPUS_TYPES as readonly string[]).includes(r.entity));
  const pii = new PiiSlot(hostio);
  const noise = new Map<string, number>();
  for (const row of others) {
    for (const f of (await pii.scan([row.text], ALL_TYPES)).findings) {
      const key = `${row.entity} rows -> ${f.entityType}`;
      noise.set(key, (noise.get(key) ?? 0) + 1);
    }
  }
  out(`With every type enabled over the ${others.length} rows of the ${new Set(others.map((r) => r.entity)).size} entity types the module does not cover (other countries' ids, dates, ...),`);
  out(`it reports: ${[...noise].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(", ") || "nothing"}.`);
  out("These rows are not labelled for the module's types: phone hits on other countries' phone rows are right; UK_NHS hits are");
  out("10-digit numbers that happen to pass mod 11 (about 1 in 11 random 10-digit numbers does).");
  out("Caveat: the detectors were written with these rows in view; the corpus is small for some types (UK_NHS 2 rows, EMAIL 3), so these F1s are an upper bound for unseen text.");
  out();

  // ---- raw speed
  const mb = promptOfSize(1 << 20, 7);
  const mbInput = encodePiiInput([mb], ALL_TYPES);
  const rawMbps: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = await sample(() => raw.scan(mbInput), 5, 2);
    rawMbps.push(mbInput.byteLength / 1e6 / (percentile(t, 50) / 1e6));
  }
  const found = decodePiiOutput(raw.scan(mbInput), [mb]).findings.length;
  out("### Raw scan speed");
  out();
  out(`Load calibration, same run: a trivial JavaScript loop over 1 MiB of bytes takes ${fmt(calibrationNsPerByte(), 2)} ns/byte (a load gauge for comparing runs: lower is a quieter machine).`);
  out(`pii.wasm under plain WebAssembly, 1 MiB of prose with PII every ~400 bytes (${found} findings), all ${PII_ENTITY_TYPES.length} types on: **${fmt(median(rawMbps))} MB/s**.`);
  out();

  // ---- host cost per size
  out("### Cost per scan call by prompt size (all types on, same encoded input for every path)");
  out();
  out("| prompt | plain WebAssembly µs | Extism as-pdk `Host.input()` µs | Extism plain I/O µs | Extism `sluice:host` I/O µs | as-pdk vs WebAssembly | plain I/O vs WebAssembly | host I/O vs WebAssembly | host I/O MB/s |");
  out("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [label, size, iterations] of [["1 KB", 1024, 2000], ["16 KB", 16384, 400], ["256 KB", 262144, 30]] as const) {
    const input = encodePiiInput([promptOfSize(size, size)], ALL_TYPES);
    const p50 = { raw: [] as number[], aspdk: [] as number[], plain: [] as number[], hostio: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      p50.raw.push(percentile(await sample(() => raw.scan(input), iterations), 50));
      p50.aspdk.push(percentile(await sample(() => aspdk.call(input), iterations), 50));
      p50.plain.push(percentile(await sample(() => plain.call(input), iterations), 50));
      p50.hostio.push(percentile(await sample(() => hostio.call(input), iterations), 50));
    }
    const [r, a, p, h] = [median(p50.raw), median(p50.aspdk), median(p50.plain), median(p50.hostio)];
    out(`| ${label} | ${fmt(r)} | ${fmt(a)} | ${fmt(p)} | ${fmt(h)} | ${fmt(a / r, 2)}x | ${fmt(p / r, 2)}x | ${fmt(h / r, 2)}x | ${fmt(input.byteLength / h)} |`);
  }
  out();
  out("Reading: as-pdk's `Host.input()`/`Host.output()` (testdata/pii-aspdk, managed runtime) and the shipped plain build both cross into the");
  out("Extism kernel once per 8 bytes in and out (the plain build only avoids as-pdk's per-call allocation), so they cost the same.");
  out("The `sluice:host` functions copy the input into module memory in one call and the output out in one call: Extism then costs");
  out("little more than plain WebAssembly, the fixed per-call overhead showing at 1 KB.");
  out();

  // ---- per request
  const prompt = promptOfSize(2048, 2048);
  const texts = ["You are a helpful assistant.", prompt];
  const typedPlain = new PiiSlot(plain, DEFAULT_PII_RULES);
  const typedHostio = new PiiSlot(hostio, DEFAULT_PII_RULES);
  const encoded = encodePiiInput(texts, DEFAULT_PII_RULES);
  const typedWorker = new PiiSlot(worker, DEFAULT_PII_RULES);
  const perRequest = { hostio: [] as number[], plain: [] as number[], raw: [] as number[], hostioP99: [] as number[], codec: [] as number[], worker: [] as number[] };
  for (let r = 0; r < REQUEST_ROUNDS; r++) {
    const h = await sample(() => typedHostio.scan(texts), 3000);
    perRequest.hostio.push(percentile(h, 50));
    perRequest.hostioP99.push(percentile(h, 99));
    perRequest.plain.push(percentile(await sample(() => typedPlain.scan(texts), 3000), 50));
    perRequest.worker.push(percentile(await sample(() => typedWorker.scan(texts), 1000), 50));
    perRequest.raw.push(percentile(await sample(() => decodePiiOutput(raw.scan(encodePiiInput(texts, DEFAULT_PII_RULES)), texts), 3000), 50));
    const output = raw.scan(encoded);
    perRequest.codec.push(percentile(await sample(() => decodePiiOutput(output, texts) && encodePiiInput(texts, DEFAULT_PII_RULES), 3000), 50));
  }
  const result = await typedHostio.scan(texts);
  out("### Policy cost per request (2 KB prompt + system prompt, default rules, one `pii` call)");
  out();
  out(`\`PiiSlot.scan\` end to end (encode PiiScanInput, call, decode and check PiiScanOutput); ${result.findings.length} findings, outcome \`${result.outcome}\`.`);
  out();
  out(`${REQUEST_ROUNDS} interleaved rounds of 3000 requests (1000 in worker mode); p50 is the median of the rounds' p50s, the range shows how much the shared machine moved it.`);
  out();
  out("| path | p50 µs | rounds' p50 range µs | vs plain WebAssembly |");
  out("|---|---:|---:|---:|");
  const rawP50 = median(perRequest.raw);
  out(`| plain WebAssembly (baseline, same encode/decode) | ${fmt(rawP50)} | ${range(perRequest.raw)} | 1.00x |`);
  out(`| Extism, \`sluice:host\` I/O (shipped default, trusted slot) | ${fmt(median(perRequest.hostio))} (p99 ${fmt(median(perRequest.hostioP99))}) | ${range(perRequest.hostio)} | ${fmt(median(perRequest.hostio) / rawP50, 2)}x |`);
  out(`| Extism, plain I/O | ${fmt(median(perRequest.plain))} | ${range(perRequest.plain)} | ${fmt(median(perRequest.plain) / rawP50, 2)}x |`);
  out(`| Extism worker mode, plain I/O (untrusted slot, per-call timeout) | ${fmt(median(perRequest.worker))} | ${range(perRequest.worker)} | ${fmt(median(perRequest.worker) / rawP50, 2)}x |`);
  out(`| of which encode + decode (host side, hand-written codec) | ${fmt(median(perRequest.codec))} | ${range(perRequest.codec)} | |`);
  out();
  const target = median(perRequest.hostio) <= 100 ? "met" : "not met";
  out(`Target <= 100 µs p50, here for the \`pii\` slot alone on a 2 KB request: **${target}** with the shipped pii slot (${fmt(median(perRequest.hostio))} µs; rounds ${range(perRequest.hostio)} µs),`);
  const slowdown = calibrationNsPerByte();
  out(`measured while a trivial JS byte loop ran ${fmt(slowdown, 1)} ns/byte (the load gauge above): absolute figures move with the shared machine; the Extism share is the ratio to plain WebAssembly.`);
  out("Only the `pii` slot is counted here: the router slot's cost is in its own table below, `guard` has no module yet, and the `tokens` slot's numbers are in its section above;");
  out("the total over every slot is in \"Total policy cost per request (all slots)\" below.");
  out();
  await routerBench(DIST, out);
  await totalBench(DIST, out);

  // ---- hot swap
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-policy-bench-"));
  const host = await PolicyHost.start({ slots: [{ slot: "pii", source: "builtin:pii-hostio" }], store: new LocalVersionStore(dataDir), builtinDir: DIST });
  const pushes: number[] = [];
  const variants = ["pii", "testdata/pii-no-phone", "pii-hostio"].map((n) => new Uint8Array(readFileSync(join(DIST, `${n}.wasm`))));
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    await host.push("pii", variants[i % variants.length] as Uint8Array);
    pushes.push(performance.now() - t0);
  }
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
  out();
  out("### Hot swap");
  out();
  out(`\`PolicyHost.push\` with the local store (validate: static checks + conformance vectors in an Extism worker with a time limit for plain modules, on the main thread for \`sluice:host\` ones; store; activate; drain and close the old instance): median ${fmt(median(pushes))} ms over ${pushes.length} pushes (${pushes.map((p) => fmt(p, 0)).join(", ")} ms). Calls are never paused: they run on the old instance until the one-assignment swap.`);

  await Promise.all([plain.close(), hostio.close(), aspdk.close(), worker.close()]);
  if (process.argv.includes("--write")) {
    const path = join(ROOT, "bench", "RESULTS.md");
    const current = readFileSync(path, "utf8");
    const section = `${lines.join("\n")}\n`;
    const start = current.indexOf("## WASM policy core (issue 4)");
    let next: string;
    if (start < 0) next = `${current.trimEnd()}\n\n${section}`;
    else {
      const end = current.indexOf("\n## ", start + 5);
      next = current.slice(0, start) + section + (end < 0 ? "" : `\n${current.slice(end + 1)}`);
    }
    writeFileSync(path, next);
    console.error("bench/RESULTS.md: section written");
  }
}

const PARTS = {
  router: { heading: "### Router slot cost per request", flag: "--router", run: routerBench },
  total: { heading: "### Total policy cost per request (all slots)", flag: "--total", run: totalBench },
} as const;

/** `--router` / `--total`: one subsection alone, written into the section with --write (replacing
 *  that subsection, or placed before "### Hot swap"). */
async function partOnly(lines: string[], out: (s?: string) => void, name: keyof typeof PARTS): Promise<void> {
  const part = PARTS[name];
  const load = execSync("uptime").toString().trim();
  await part.run(DIST, out);
  out(`Measured ${new Date().toISOString()} on nproc ${execSync("nproc").toString().trim()} (${cpus()[0]?.model ?? "unknown"}), node ${process.version}; \`uptime\` at start: ${load}; at end: ${execSync("uptime").toString().trim()}.`);
  out(`Command: \`npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/run.js ${part.flag} --write\``);
  out("The shared machine moves absolute numbers (see the calibration above); the baselines are measured in the same rounds.");
  out();
  if (!process.argv.includes("--write")) return;
  const path = join(ROOT, "bench", "RESULTS.md");
  let current = readFileSync(path, "utf8");
  current = current.replace(
    "Only the `pii` slot is counted: `guard` and `router` modules do not exist yet; the `tokens` slot's own numbers are in its section above.",
    "Only the `pii` slot is counted here: the router slot's cost is in its own table below, `guard` has no module yet, and the `tokens` slot's numbers are in its section above.",
  );
  const section = current.indexOf("## WASM policy core (issue 4)");
  if (section < 0) throw new Error("bench/RESULTS.md has no WASM policy core section: run the full bench with --write");
  const heading = part.heading;
  const sectionEnd = current.indexOf("\n## ", section + 5);
  const limit = sectionEnd < 0 ? current.length : sectionEnd + 1;
  const text = `${lines.join("\n")}\n`;
  let start = current.indexOf(heading, section);
  let end: number;
  if (start >= 0 && start < limit) {
    const nextSub = current.indexOf("\n### ", start + heading.length);
    end = nextSub >= 0 && nextSub < limit ? nextSub + 1 : limit;
  } else {
    const hotSwap = current.indexOf("### Hot swap", section);
    start = end = hotSwap >= 0 && hotSwap < limit ? hotSwap : limit;
  }
  writeFileSync(path, current.slice(0, start) + text + current.slice(end).replace(/^\n+/, ""));
  console.error(`bench/RESULTS.md: ${heading.slice(4)} subsection written`);
}

await main();
