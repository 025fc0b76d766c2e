// Issue 22's entity types through the prose filter (policy-wasm/pii/assembly/prose.ts): each
// item must be found wherever it falls relative to a 16-byte block, after prose, at the end of
// the text and before more prose, with only its type on and min_score 0 (weak shapes count);
// and the default minimum scores: weak shapes need a context word, checksummed ones do not.
// Items are development rows of test/fixtures/pii/pii_cases.jsonl, and a few written here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { PII_ENTITY_TYPES, withScoring, type PiiRules } from "../../../src/policy/pii/rules.js";
import { loadedSlot } from "./helpers.js";

const ITEMS: [string, string][] = [
  ["ABA_ROUTING_NUMBER", "3222-7162-7"], ["AU_ABN", "51 824 753 556"], ["AU_ACN", "006249976"],
  ["AU_MEDICARE", "2123 45670 1"], ["AU_TFN", "876 543 210"], ["CA_SIN", "258 933 688"],
  ["DATE_TIME", "5-20-2021"], ["DATE_TIME", "May-2021"], ["DATE_TIME", "2024-03-15T14:30:00.123Z"],
  ["DE_BSNR", "521234567"], ["DE_FUEHRERSCHEIN", "MU12345678B"], ["DE_HANDELSREGISTER", "HRB 123456"],
  ["DE_HEALTH_INSURANCE", "A000500015"], ["DE_ID_CARD", "L01X00T44"], ["DE_KFZ", "HH AB 1234"], ["DE_KFZ", "HH-AB-1234"],
  ["DE_LANR", "987654401"], ["DE_PASSPORT", "C01234565"], ["DE_PLZ", "10115"], ["DE_SOCIAL_SECURITY", "65070803A019"],
  ["DE_TAX_ID", "86095742719"], ["DE_TAX_NUMBER", "12/345/6789"], ["DE_VAT_ID", "DE 136695976"],
  ["ES_PASSPORT", "XYZ987654"], ["FI_PERSONAL_IDENTITY_CODE", "010594Y9032"], ["IN_AADHAAR", "3998 7654 3211"],
  ["IN_GSTIN", "27ABCDE1234F1Z5"], ["IN_PAN", "ABBPM4567S"], ["IN_PASSPORT", "T3569075"],
  ["IN_VEHICLE_REGISTRATION", "KA53ME3456"], ["IN_VOTER", "uzb2345117"], ["IT_DRIVER_LICENSE", "AB1234567C"],
  ["IT_FISCAL_CODE", "AAAAAA00B11C333Y"], ["IT_IDENTITY_CARD", "aa 1234567"], ["IT_PASSPORT", "AA1234567"],
  ["IT_VAT_CODE", "01333550323"], ["KR_BRN", "104-86-56659"], ["KR_DRIVER_LICENSE", "11-22-123456-12"],
  ["KR_FRN", "000505-7637892"], ["KR_PASSPORT", "M123A4567"], ["KR_RRN", "960121-1234567"],
  ["MAC_ADDRESS", "AA:BB:CC:DD:EE:FF"], ["MAC_ADDRESS", "0012.3456.789A"], ["MEDICAL_LICENSE", "GL0285191"],
  ["NG_NIN", "12345678902"], ["NG_VEHICLE_REGISTRATION", "APP-456CV"], ["PH_MOBILE_NUMBER", "+63 917 123 4567"],
  ["PH_TIN", "000-123-456-001"], ["PL_PESEL", "44051401458"], ["SE_ORGANISATIONSNUMMER", "212000-0142"],
  ["SE_PERSONNUMMER", "189004119807"], ["SG_NRIC_FIN", "B1234567Z"], ["SG_UEN", "T16RF0037C"], ["SG_UEN", "201434292D"],
  ["TH_TNIN", "1234567890121"], ["TR_LICENSE_PLATE", "06 A 123"], ["TR_NATIONAL_ID", "36493665440"],
  ["TR_PHONE_NUMBER", "+90-532-123-45-67"], ["TR_PHONE_NUMBER", "(532) 123 45 67"], ["UK_DRIVING_LICENCE", "MORGA657054SM9IJ"],
  ["UK_NINO", "YZ 61 48 68 B"], ["UK_PASSPORT", "AB1234567"], ["UK_POSTCODE", "SW1A 1AA"],
  ["UK_VEHICLE_REGISTRATION", "LN14-HGT"], ["UK_VEHICLE_REGISTRATION", "ABC 123D"], ["US_BANK_NUMBER", "945456787654"],
  ["US_DRIVER_LICENSE", "A1234567"], ["US_ITIN", "911-70-1234"], ["US_MBI", "4EF6GH8JK12"], ["US_NPI", "1245319599"],
  ["US_PASSPORT", "A12803456"], ["ZA_ID_NUMBER", "9912316789285"],
];
const only = (type: string): PiiRules => withScoring({ [type]: "report" }, { minScores: { [type]: 0 }, contextWindow: 0 });

/** `n` characters of lower-case prose ending in a space (n >= 1). */
function prose(n: number): string {
  return "the budget. then deploy: review it, and more words ".repeat(Math.ceil(n / 50) + 1).slice(0, n - 1) + " ";
}

describe("issue-22 entity types", () => {
  let slot: PolicySlot;
  let pii: PiiSlot;
  beforeAll(async () => {
    slot = await loadedSlot("pii-hostio");
    pii = new PiiSlot(slot);
  });
  afterAll(() => slot.close());

  it("has an item for every type the module lists beyond the first 17", () => {
    const covered = new Set(ITEMS.map(([t]) => t));
    expect(PII_ENTITY_TYPES.slice(17).filter((t) => !covered.has(t))).toEqual([]);
  });

  it("finds each item at each offset around a 16-byte block, mid-text and at the end", async () => {
    for (const [type, item] of ITEMS) {
      for (let offset = 0; offset <= 34; offset++) {
        const before = offset === 0 ? "" : prose(offset);
        for (const after of ["", " and then some more prose after it", ". Next"]) {
          const text = before + item + after;
          const r = await pii.scan([text], only(type));
          expect(r.findings.map((f) => [f.start, f.end, f.entityType]), `${type} ${JSON.stringify(text)}`).toEqual([[offset, offset + item.length, type]]);
        }
      }
    }
  });

  it("rejects a changed check digit", async () => {
    for (const [type, bad] of [
      ["DE_TAX_ID", "86095742718"], ["NG_NIN", "12345678903"], ["IN_AADHAAR", "3998 7654 3212"], ["TR_NATIONAL_ID", "36493665441"],
      ["PL_PESEL", "44051401459"], ["DE_PASSPORT", "C01234567"], ["FI_PERSONAL_IDENTITY_CODE", "010594Y9033"], ["US_NPI", "1245319598"],
      ["AU_TFN", "876 543 211"], ["ABA_ROUTING_NUMBER", "3222-7162-8"], ["ZA_ID_NUMBER", "9912316789286"], ["MEDICAL_LICENSE", "GL0285192"],
    ] as const) {
      expect((await pii.scan([`id ${bad} here`], only(type))).findings, `${type} ${bad}`).toEqual([]);
    }
  });

  it("default minimum scores: weak shapes need a context word of their type, checksummed ones do not", async () => {
    const types = (r: { findings: { entityType: string }[] }) => r.findings.map((f) => f.entityType);
    expect(types(await pii.scan(["code 10115 here"], { DE_PLZ: "report" }))).toEqual([]);
    expect(types(await pii.scan(["PLZ 10115 Berlin"], { DE_PLZ: "report" }))).toEqual(["DE_PLZ"]);
    expect(types(await pii.scan(["ref AB1234567 sent"], { UK_PASSPORT: "report" }))).toEqual([]);
    expect(types(await pii.scan(["my passport number is AB1234567"], { UK_PASSPORT: "report" }))).toEqual(["UK_PASSPORT"]);
    expect(types(await pii.scan(["on 5/20/2021 we met"], { DATE_TIME: "report" }))).toEqual([]);
    expect(types(await pii.scan(["date of birth 5/20/2021"], { DATE_TIME: "report" }))).toEqual(["DATE_TIME"]);
    expect(types(await pii.scan(["ref 12345678902 sent"], { NG_NIN: "report" }))).toEqual(["NG_NIN"]);
    expect(types(await pii.scan(["ref 36493665440 sent"], { TR_NATIONAL_ID: "report" }))).toEqual(["TR_NATIONAL_ID"]);
    // a per-type min_score above the checksummed score turns it off; 0 turns a weak one on
    expect(types(await pii.scan(["ref 36493665440"], withScoring({ TR_NATIONAL_ID: "report" }, { minScores: { TR_NATIONAL_ID: 1 }, contextWindow: 0 })))).toEqual(["TR_NATIONAL_ID"]);
    expect(types(await pii.scan(["ref 10115"], withScoring({ DE_PLZ: "report" }, { minScores: { DE_PLZ: 0.3 }, contextWindow: 0 })))).toEqual(["DE_PLZ"]);
    expect(types(await pii.scan(["ref 10115"], withScoring({ DE_PLZ: "report" }, { minScores: { DE_PLZ: 0.31 }, contextWindow: 0 })))).toEqual([]);
  });

  it("every type on at once: each item is reported once, as its own type or a stronger one", async () => {
    const all: PiiRules = withScoring(Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, "redact" as const])), {
      minScores: Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, 0])), contextWindow: 0,
    });
    for (const [, item] of ITEMS) {
      const r = await pii.scan([`see ${item} now`], all);
      expect(r.findings.length, item).toBe(1);
      expect(r.texts[0]!.includes(item), item).toBe(false);
    }
  });
});
