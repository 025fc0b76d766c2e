// Scores the pii module on Presidio's recognizer test cases (test/fixtures/pii/pii_cases.jsonl).
// Like the source tests, each row runs with only its own entity type enabled. Rows with
// positions_complete=false are scored on the number of matches only.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PiiSlot } from "../../../src/policy/pii/api.js";
import type { PiiRules } from "../../../src/policy/pii/rules.js";

export interface CorpusRow {
  source: string;
  entity: string;
  text: string;
  expected_len: number;
  expected: { start: number; end: number; entity: string; match: string }[];
  positions_complete: boolean;
  recognizer_config?: string[];
  note?: string;
}

export const SUPPORTED_CORPUS_TYPES = [
  "CREDIT_CARD", "CRYPTO", "EMAIL_ADDRESS", "ES_NIE", "ES_NIF", "IBAN_CODE", "IP_ADDRESS",
  "PHONE_NUMBER", "UK_NHS", "URL", "US_SSN",
] as const;

/** PhoneRecognizer's default leniency is 1; rows written for other leniency levels expect
 *  libphonenumber's stricter or looser matching and are reported apart, not scored. */
export function isScored(row: CorpusRow): boolean {
  return !(row.recognizer_config ?? []).some((c) => /leniency=[023]/.test(c));
}

export function loadCorpus(): CorpusRow[] {
  const path = join(process.cwd(), "test", "fixtures", "pii", "pii_cases.jsonl");
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as CorpusRow);
}

export interface TypeScore { rows: number; tp: number; fp: number; fn: number; precision: number; recall: number; f1: number; misses: string[] }

/** `rulesFor`: the rules a row of that type is scanned with (default: only its type, reported). */
export async function scoreCorpus(
  pii: PiiSlot, rows: CorpusRow[], rulesFor: (type: string) => PiiRules = (type) => ({ [type]: "report" }),
): Promise<Map<string, TypeScore>> {
  const scores = new Map<string, TypeScore>();
  for (const row of rows) {
    const result = await pii.scan([row.text], rulesFor(row.entity));
    const found = result.findings.filter((f) => f.entityType === row.entity).map((f) => [f.start, f.end] as const);
    let tp: number, fp: number, fn: number;
    if (row.positions_complete) {
      const want = new Set(row.expected.map((e) => `${e.start}:${e.end}`));
      const got = new Set(found.map(([s, e]) => `${s}:${e}`));
      tp = [...got].filter((k) => want.has(k)).length;
      fp = got.size - tp;
      fn = want.size - tp;
    } else {
      tp = Math.min(found.length, row.expected_len);
      fp = Math.max(0, found.length - row.expected_len);
      fn = Math.max(0, row.expected_len - found.length);
    }
    const s = scores.get(row.entity) ?? { rows: 0, tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0, misses: [] };
    s.rows++; s.tp += tp; s.fp += fp; s.fn += fn;
    if (fp || fn) s.misses.push(`${JSON.stringify(row.text).slice(0, 80)} want ${JSON.stringify(row.expected.map((e) => [e.start, e.end]))} got ${JSON.stringify(found)}`);
    scores.set(row.entity, s);
  }
  for (const s of scores.values()) {
    s.precision = s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp);
    s.recall = s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn);
    s.f1 = s.precision + s.recall === 0 ? 0 : (2 * s.precision * s.recall) / (s.precision + s.recall);
  }
  return scores;
}
