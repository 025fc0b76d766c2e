// PII accuracy on Presidio's recognizer test cases (issue 22), development and held-out parts
// (test/fixtures/pii/pii_split.json, fixed seed, split before the detectors were written).
//   npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/pii-accuracy.js [--dev-misses] [--write]
// Each row runs with only its own type on, as the source tests call one recognizer at a time.
// Two settings: `recognizer` (min_score 0: every match the patterns and validators accept,
// which is what the source tests assert, weak scores included) and `defaults` (the gateway's
// default minimum scores: weak patterns need a context word). Rows skipped, as the corpus README
// says: `positions_complete: false` (the test checks only a count) and `recognizer_config`
// (a recognizer not built with its defaults). Types the module does not detect count with
// every expected span missed. --dev-misses prints the development rows that fail (never the
// held-out ones); --write replaces the "## PII breadth" section of bench/RESULTS.md.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PiiSlot } from "../../src/policy/pii/api.js";
import { PII_ENTITY_TYPES, withScoring, type PiiRules } from "../../src/policy/pii/rules.js";
import { loadCorpus, scoreCorpus, type CorpusRow, type TypeScore } from "../../test/unit/policy/pii-corpus.js";
import { loadedSlot } from "../../test/unit/policy/helpers.js";

interface Split { seed: number; dev: number[]; heldOut: number[] }
const split = JSON.parse(readFileSync(join(process.cwd(), "test", "fixtures", "pii", "pii_split.json"), "utf8")) as Split;
const usable = (r: CorpusRow): boolean => r.positions_complete && !(r.recognizer_config?.length);
const known = new Set<string>(PII_ENTITY_TYPES);

function recognizerRules(type: string): PiiRules {
  return withScoring({ [type]: "report" }, { minScores: { [type]: 0 }, contextWindow: 0 });
}
const defaultRules = (type: string): PiiRules => ({ [type]: "report" });

interface Pooled { tp: number; fp: number; fn: number }
const f1 = (p: Pooled): number => (p.tp === 0 ? (p.fp + p.fn === 0 ? 1 : 0) : (2 * p.tp) / (2 * p.tp + p.fp + p.fn));
function pool(scores: Map<string, TypeScore>, filter: (t: string) => boolean = () => true): Pooled {
  const p = { tp: 0, fp: 0, fn: 0 };
  for (const [t, s] of scores) if (filter(t)) { p.tp += s.tp; p.fp += s.fp; p.fn += s.fn; }
  return p;
}
/** Rows of types the module does not know: every expected span is a miss. */
function unsupported(rows: CorpusRow[]): Map<string, TypeScore> {
  const m = new Map<string, TypeScore>();
  for (const r of rows) {
    const s = m.get(r.entity) ?? { rows: 0, tp: 0, fp: 0, fn: 0, precision: 1, recall: 0, f1: 0, misses: [] };
    s.rows++; s.fn += r.expected.length;
    s.recall = s.tp + s.fn === 0 ? 1 : 0; s.f1 = s.fn === 0 ? 1 : 0;
    m.set(r.entity, s);
  }
  return m;
}

async function scorePart(pii: PiiSlot, rows: CorpusRow[], rules: (t: string) => PiiRules): Promise<Map<string, TypeScore>> {
  const scores = await scoreCorpus(pii, rows.filter((r) => known.has(r.entity)), rules);
  for (const [t, s] of unsupported(rows.filter((r) => !known.has(r.entity)))) scores.set(t, s);
  return scores;
}

const TODAY_TYPES = ["CREDIT_CARD", "CRYPTO", "EMAIL_ADDRESS", "ES_NIE", "ES_NIF", "IBAN_CODE", "IP_ADDRESS", "UK_NHS", "URL", "US_SSN"];

async function main(): Promise<void> {
  const all = loadCorpus();
  const dev = split.dev.map((i) => all[i]!).filter(usable);
  const held = split.heldOut.map((i) => all[i]!).filter(usable);
  const slot = await loadedSlot("pii-hostio");
  const pii = new PiiSlot(slot);
  const devRec = await scorePart(pii, dev, recognizerRules);
  const heldRec = await scorePart(pii, held, recognizerRules);
  const devDef = await scorePart(pii, dev, defaultRules);
  const heldDef = await scorePart(pii, held, defaultRules);
  await slot.close();

  const lines: string[] = [];
  const out = (s = ""): void => { lines.push(s); console.log(s); };
  const fmt = (s: TypeScore | undefined): string => (s ? `${s.f1.toFixed(3)} (${s.rows})` : "-");
  out("## PII breadth (issue 22): accuracy per type, development and held-out");
  out();
  out(`Measured ${new Date().toISOString()}. Command: \`npm run build:wasm && npx tsc -p bench/policy/tsconfig.json && node dist/bench/policy/pii-accuracy.js --write\``);
  out();
  out(`Rows of \`pii_cases.jsonl\` split per type 70/30 (seed ${split.seed}, \`node bench/policy/pii-split.mjs\`, test/fixtures/pii/pii_split.json) before the issue-22 detectors were written;`);
  out("the detectors were tuned against the development rows only. Each row runs with only its own type on; exact UTF-16 span match.");
  out("Skipped as the corpus README says: rows with `positions_complete: false` and rows with a `recognizer_config`.");
  out("`recognizer`: min_score 0 (every match the patterns and validators accept, as the source tests assert, weak scores included);");
  out("`defaults`: the shipped minimum scores (weak patterns need a context word of their type within 5 words). Cell: F1 (rows).");
  out("Types the module does not detect count with every expected span missed.");
  out();
  out("| type | dev recognizer | held-out recognizer | dev defaults | held-out defaults |");
  out("|---|---|---|---|---|");
  const types = [...new Set([...devRec.keys(), ...heldRec.keys()])].sort();
  for (const t of types) out(`| ${known.has(t) ? t : `${t} (not detected)`} | ${fmt(devRec.get(t))} | ${fmt(heldRec.get(t))} | ${fmt(devDef.get(t))} | ${fmt(heldDef.get(t))} |`);
  const today = (t: string): boolean => TODAY_TYPES.includes(t);
  const p = (m: Map<string, TypeScore>, f?: (t: string) => boolean): string => { const x = pool(m, f); return `${f1(x).toFixed(3)} (TP ${x.tp} FP ${x.fp} FN ${x.fn})`; };
  out(`| **pooled, every type** | ${p(devRec)} | ${p(heldRec)} | ${p(devDef)} | ${p(heldDef)} |`);
  out(`| **pooled, the types before issue 22** | ${p(devRec, today)} | ${p(heldRec, today)} | ${p(devDef, today)} | ${p(heldDef, today)} |`);
  out();
  out("PHONE_NUMBER (the 11th type before issue 22) has no usable row: every PHONE_NUMBER row carries a `recognizer_config` (libphonenumber");
  out("regions/leniency); its rows written for Presidio's default leniency are scored by test/unit/policy/pii-corpus.test.ts (F1 >= 0.97).");
  out();
  out("Reading:");
  out("- Targets (issue 22): pooled held-out F1 >= 0.95 over every type: **met** in the recognizer setting (0.980); each of the types");
  out("  before issue 22 >= 0.97: **met** in both settings (held-out 1.000). In the defaults setting the pooled held-out F1 is 0.915:");
  out("  the corpus rows are recognizer tests without context words, and by design a weak shape (a bare number, a postcode, a");
  out("  passport-like code, a plain date) is not reported by default without a context word of its type; that setting measures the");
  out("  gateway's default behaviour, not the detectors.");
  out("- Held-out misses (recognizer): DE_TAX_ID (2 rows), KR_RRN (1 of 4), DE_SOCIAL_SECURITY (1 of 2), IN_VEHICLE_REGISTRATION (1 of 3);");
  out("  left as they are: fixing them now would be tuning against the held-out rows. Development misses: SE_PERSONNUMMER written");
  out("  inside a word (`is199003052397`, Presidio's pattern has no leading boundary) and UK_NINO whose expected span starts at the");
  out("  space before it; both left (matching them would mean matching inside words or including a space).");
  out("- Honesty notes: before the split was made, the non-IBAN/IP/phone rows of the corpus were listed once to survey the formats, so");
  out("  the held-out rows are not unseen in the strictest sense; the detectors were written from the formats of Presidio's recognizers");
  out("  and tuned on development rows only. One held-out DE_TAX_ID row was noticed later (used by mistake as a test item, replaced)");
  out("  and not tuned for. Several types have 1-3 usable rows in each part: their per-type F1 says little; the pooled figures more.");
  if (process.argv.includes("--dev-misses")) {
    for (const [t, s] of devRec) for (const m of s.misses) console.error(`dev miss ${t}: ${m}`);
  }
  if (process.argv.includes("--write")) {
    const path = join(process.cwd(), "bench", "RESULTS.md");
    const text = readFileSync(path, "utf8");
    const marker = "## PII breadth (issue 22)";
    const at = text.indexOf(marker);
    let next = at < 0 ? -1 : text.indexOf("\n## ", at + marker.length);
    const section = lines.join("\n") + "\n";
    const updated = at < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, at)}${section}${next < 0 ? "" : text.slice(next + 1)}`;
    if (next < 0) next = text.length;
    writeFileSync(path, updated);
  }
}
await main();
