// PII accuracy on Presidio's recognizer test cases, per supported entity type.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { loadedSlot } from "./helpers.js";
import { isScored, loadCorpus, scoreCorpus, SUPPORTED_CORPUS_TYPES, type TypeScore } from "./pii-corpus.js";

/** Per-type F1 floor this module meets on the corpus (target 0.97; see bench/RESULTS.md). */
const F1_FLOOR: Record<string, number> = {};
const DEFAULT_FLOOR = 0.97;

describe("pii module on pii_cases.jsonl", () => {
  let slot: PolicySlot;
  let scores: Map<string, TypeScore>;
  beforeAll(async () => {
    slot = await loadedSlot("pii-hostio");
    const rows = loadCorpus().filter((r) => (SUPPORTED_CORPUS_TYPES as readonly string[]).includes(r.entity) && isScored(r));
    scores = await scoreCorpus(new PiiSlot(slot), rows);
    for (const [type, s] of scores) {
      console.log(`${type.padEnd(14)} rows ${String(s.rows).padStart(3)} P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`);
      for (const m of s.misses) console.log(`   miss: ${m}`);
    }
  });
  afterAll(() => slot.close());

  it("covers every supported type", () => {
    expect([...scores.keys()].sort()).toEqual([...SUPPORTED_CORPUS_TYPES].sort());
  });

  for (const type of SUPPORTED_CORPUS_TYPES) {
    it(`${type}: F1 >= ${F1_FLOOR[type] ?? DEFAULT_FLOOR}`, () => {
      expect(scores.get(type)!.f1).toBeGreaterThanOrEqual(F1_FLOOR[type] ?? DEFAULT_FLOOR);
    });
  }
});
