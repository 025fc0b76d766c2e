// Candidate splitting (issue 22): where a match starts and ends when numbers touch numbers, at
// the edges of a text part and of a streamed chunk, with Unicode around them, and on very long
// digit runs (linear time: inputs sized so that a quadratic scan would not finish).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { PlaceholderStreamRestorer } from "../../../src/policy/pii/restore.js";
import { PII_ENTITY_TYPES, withScoring, type PiiRules } from "../../../src/policy/pii/rules.js";
import { debugBuild, loadedSlot } from "./helpers.js";

const only = (type: string): PiiRules => ({ [type]: "report" });
const spans = (r: { findings: { start: number; end: number; entityType: string }[] }) => r.findings.map((f) => [f.start, f.end, f.entityType]);

function luhnValid(s: string): boolean {
  const d = [...s].filter((c) => c >= "0" && c <= "9").map(Number).reverse();
  return d.reduce((sum, x, i) => sum + (i % 2 ? (x * 2 > 9 ? x * 2 - 9 : x * 2) : x), 0) % 10 === 0;
}

describe("pii candidate splitting", () => {
  let slot: PolicySlot;
  let pii: PiiSlot;
  beforeAll(async () => {
    slot = await loadedSlot(debugBuild("pii-hostio"));
    pii = new PiiSlot(slot);
  });
  afterAll(() => slot.close());

  it("a card without separators directly before other digit groups ends where its digits do", async () => {
    expect(spans(await pii.scan(["4111111111111111 2024 12"], only("CREDIT_CARD")))).toEqual([[0, 16, "CREDIT_CARD"]]);
    expect(spans(await pii.scan(["paid 4111111111111111 1234 5678 9012 on"], only("CREDIT_CARD")))).toEqual([[5, 21, "CREDIT_CARD"]]);
    expect(spans(await pii.scan(["4111 1111 1111 1111 0000 1234"], only("CREDIT_CARD")))).toEqual([[0, 19, "CREDIT_CARD"]]);
    // a number before the card is its own word: the card still starts at its first digit
    expect(spans(await pii.scan(["ref 12 4111111111111111"], only("CREDIT_CARD")))).toEqual([[7, 23, "CREDIT_CARD"]]);
  });

  it("the rest of an IBAN whose checksum fails is not a card number", async () => {
    const bad = "DE89 3804 0044 0532 0130 00";
    expect(luhnValid(bad.slice(5))).toBe(true); // the tail would pass as a card on its own
    const r = await pii.scan([`IBAN ${bad}.`], { CREDIT_CARD: "report", IBAN_CODE: "report" });
    expect(spans(r)).toEqual([]);
    expect(spans(await pii.scan(["card 3804 0044 0532 0130 00"], only("CREDIT_CARD")))).toEqual([[5, 27, "CREDIT_CARD"]]);
  });

  it("an IPv6 address followed by a full stop, and an IPv4 address inside a longer dotted run", async () => {
    expect(spans(await pii.scan(["Server at 2001:db8::1. Next"], only("IP_ADDRESS")))).toEqual([[10, 21, "IP_ADDRESS"]]);
    expect(spans(await pii.scan(["Link-local fe80::1ff:fe23:4567:890a."], only("IP_ADDRESS")))).toEqual([[11, 35, "IP_ADDRESS"]]);
    expect(spans(await pii.scan(["build 10.0.0.1.5 today"], only("IP_ADDRESS")))).toEqual([[6, 14, "IP_ADDRESS"]]);
    expect(spans(await pii.scan(["host.192.168.1.20"], only("IP_ADDRESS")))).toEqual([[5, 17, "IP_ADDRESS"]]);
  });

  it("a 9-digit SSN without separators counts with a context word, and only then by default", async () => {
    expect(spans(await pii.scan(["my ssn is 078051123 ok"], only("US_SSN")))).toEqual([[10, 19, "US_SSN"]]);
    expect(spans(await pii.scan(["Social Security: 078051123"], only("US_SSN")))).toEqual([[17, 26, "US_SSN"]]);
    expect(spans(await pii.scan(["order 078051123 shipped"], only("US_SSN")))).toEqual([]);
    // beyond the context window: five words between by default
    expect(spans(await pii.scan(["ssn one two three four five six 078051123"], only("US_SSN")))).toEqual([]);
    const wide = withScoring(only("US_SSN"), { minScores: {}, contextWindow: 8 });
    expect(spans(await pii.scan(["ssn one two three four five six 078051123"], wide))).toEqual([[32, 41, "US_SSN"]]);
    // min_score 0: the weak match is reported with its low score
    const all = withScoring(only("US_SSN"), { minScores: { US_SSN: 0 }, contextWindow: 0 });
    const r = await pii.scan(["order 078051123 shipped"], all);
    expect(spans(r)).toEqual([[6, 15, "US_SSN"]]);
    expect(r.findings[0]!.score).toBeCloseTo(0.05, 5);
    // the boosted score is what reaches the minimum
    expect((await pii.scan(["ssn 078051123"], only("US_SSN"))).findings[0]!.score).toBeCloseTo(0.4, 5);
    expect((await pii.scan(["ssn 078-05-1123"], only("US_SSN"))).findings[0]!.score).toBeCloseTo(0.5, 5);
  });

  it("numbers at the start and the end of each text part", async () => {
    const r = await pii.scan(["4111111111111111", "x 4111111111111111", "4111111111111111 x", "078-05-1123"], { CREDIT_CARD: "report", US_SSN: "report" });
    expect(r.findings.map((f) => [f.textIndex, f.start, f.end, f.entityType])).toEqual([
      [0, 0, 16, "CREDIT_CARD"], [1, 2, 18, "CREDIT_CARD"], [2, 0, 16, "CREDIT_CARD"], [3, 0, 11, "US_SSN"],
    ]);
  });

  it("UTF-16 positions after astral and accented characters; Unicode digits and separators are not ASCII digits", async () => {
    expect(spans(await pii.scan(["é😀 4111111111111111"], only("CREDIT_CARD")))).toEqual([[4, 20, "CREDIT_CARD"]]);
    // full-width digits and a card grouped by no-break spaces are not read as cards (documented:
    // the patterns are ASCII, as the placeholders and checksums are); nothing partial is reported
    expect(spans(await pii.scan(["４１１１１１１１１１１１１１１１"], only("CREDIT_CARD")))).toEqual([]);
    expect(spans(await pii.scan(["4111\u00a01111\u00a01111\u00a01111"], only("CREDIT_CARD")))).toEqual([]);
    expect(spans(await pii.scan(["٠٧٨-٠٥-١١٢٣ 078-05-1123"], only("US_SSN")))).toEqual([[12, 23, "US_SSN"]]);
  });

  it("placeholders next to digits restore across every streamed chunk boundary", async () => {
    const r = await pii.scan(["4111111111111111"], only("CREDIT_CARD"));
    expect(r.findings).toHaveLength(1);
    const placeholderScan = await pii.scan(["4111111111111111"], { CREDIT_CARD: "placeholder" });
    expect(placeholderScan.texts).toEqual(["<CARD_1>"]);
    const answer = "12<CARD_1>34 and <CARD_1>";
    for (let cut = 0; cut <= answer.length; cut++) {
      const restorer = new PlaceholderStreamRestorer(placeholderScan.placeholders);
      const out = restorer.push(answer.slice(0, cut)) + restorer.push(answer.slice(cut)) + restorer.flush();
      expect(out).toBe("12411111111111111134 and 4111111111111111");
    }
  });
});

describe("pii scan of very long runs (linear time)", () => {
  let slot: PolicySlot;
  let pii: PiiSlot;
  beforeAll(async () => {
    slot = await loadedSlot("pii-hostio", { timeoutMs: 60_000 });
    pii = new PiiSlot(slot);
  });
  afterAll(() => slot.close());
  const everyType: PiiRules = withScoring(
    Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, "report" as const])),
    { minScores: Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, 0])), contextWindow: 64 },
  );

  // 256 KiB each (the most the module's 32 MiB memory cap leaves room for when every type on
  // finds a match at every other byte): a scan that went back over the run from every position
  // would take ~3 * 10^10 steps and not finish within the test's time-out
  for (const [name, unit] of [
    ["digits", "1234567890"], ["spaced digit groups", "4111 "], ["dashed digits", "12-"], ["dotted digits", "1."],
    ["colon hex", "a1:"], ["plus digits", "+1 "], ["weak SSNs with context", "ssn 078051123 "], ["letters and digits", "AB12 "],
  ] as const) {
    it(`${name}, every type on`, async () => {
      const text = unit.repeat(Math.ceil((1 << 18) / unit.length));
      const r = await pii.scan([text], everyType);
      expect(r.outcome === "clean" || r.outcome === "rewritten").toBe(true);
      for (const f of r.findings) expect(f.end).toBeLessThanOrEqual(text.length);
    }, 60_000);
  }
});
