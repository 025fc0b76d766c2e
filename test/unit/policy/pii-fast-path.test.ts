// The pii module's fast paths: the 16-byte prose filter in detect (policy-wasm/pii/assembly/prose.ts),
// the word-at-a-time skip, the 8/16-byte UTF-16 offset walk and the cached rules. Each item must
// be found wherever it falls relative to a 16-byte block, at the end of the text and after
// multibyte UTF-8, and clause-ending separators (". ", ": ") must not hide anything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { PII_ENTITY_TYPES, type PiiRules } from "../../../src/policy/pii/rules.js";
import { loadedSlot } from "./helpers.js";

const ALL: PiiRules = Object.fromEntries(PII_ENTITY_TYPES.map((t) => [t, "report" as const]));

const ITEMS: [string, string][] = [
  ["EMAIL_ADDRESS", "jane.doe@example.com"],
  ["AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"],
  ["AWS_ACCESS_KEY", "ASIAABCDEFGHIJKLMNOP"], // letters only: no digit marks it in the prose filter
  ["URL", "https://docs.example.org/guide"],
  ["URL", "example.org"],
  ["URL_WITH_CREDENTIALS", "postgres://admin:s3cret@db.internal:5432/app"],
  ["IP_ADDRESS", "192.168.10.24"],
  ["IP_ADDRESS", "2001:db8::8a2e:370"],
  ["IP_ADDRESS", "::1"],
  ["PHONE_NUMBER", "+44 20 7946 0958"],
  ["PHONE_NUMBER", "(415) 555-0132"],
  ["CREDIT_CARD", "4111 1111 1111 1111"],
  ["IBAN_CODE", "DE89 3704 0044 0532 0130 00"],
  ["US_SSN", "078-05-1123"],
  ["ES_NIF", "12345678Z"],
  ["ES_NIE", "X1234567L"],
  ["UK_NHS", "943 476 5919"],
  ["API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz0123"],
  ["GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
  ["JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
  ["CRYPTO", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"],
  ["CRYPTO", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"],
  ["PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----"],
];

/** `n` characters of lower-case prose ending in a space (n >= 1), so an item after it starts a word. */
function prose(n: number): string {
  return "the budget. then deploy: review it, and more words ".repeat(Math.ceil(n / 50) + 1).slice(0, n - 1) + " ";
}

for (const moduleName of ["pii", "pii-hostio"]) {
  describe(`${moduleName}.wasm fast paths`, () => {
    let slot: PolicySlot;
    let pii: PiiSlot;
    beforeAll(async () => {
      slot = await loadedSlot(moduleName);
      pii = new PiiSlot(slot);
    });
    afterAll(() => slot.close());

    const found = async (text: string, rules: PiiRules = ALL) =>
      (await pii.scan([text], rules)).findings.map((f) => [f.start, f.end, f.entityType]);

    it("finds every kind of item at each offset around two 16-byte blocks, mid-text and at the end", async () => {
      for (const [type, item] of ITEMS) {
        for (let offset = 0; offset <= 40; offset++) {
          const before = offset === 0 ? "" : prose(offset);
          for (const after of ["", " and then some more prose after it, enough for a block", "\nnext line"]) {
            const text = before + item + after;
            expect(await found(text), JSON.stringify(text)).toEqual([[offset, offset + item.length, type]]);
          }
        }
      }
    });

    it("reports UTF-16 offsets after any amount of multibyte UTF-8 (2, 3 and 4 bytes)", async () => {
      const pieces = ["é", "日本", "😀", "naïve ", "x"];
      for (let n = 0; n <= 48; n++) {
        let before = "";
        for (let k = 0; k < n; k++) before += pieces[k % pieces.length];
        before += " words to pad it ".slice(0, n % 17) + " ";
        for (const [type, item] of [ITEMS[0]!, ITEMS[9]!, ITEMS[17]!]) {
          const text = before + item + " tail";
          expect(await found(text), JSON.stringify(text)).toEqual([[before.length, before.length + item.length, type]]);
        }
      }
    });

    it("a separator ending a clause hides nothing, one inside a word still matches", async () => {
      expect(await found("The budget. Then deploy: now - tenant_ ok / done + more ( end @ all")).toEqual([]);
      expect(await found("Visit example.com. Then ask a@b.co: ok")).toEqual([[6, 17, "URL"], [28, 34, "EMAIL_ADDRESS"]]);
      const long = "averyveryverylongsubdomainname.example.com";
      expect(await found(`see ${long} now`)).toEqual([[4, 4 + long.length, "URL"]]);
      expect(await found(`A quick AKIAIOSFODNN7EXAMPLE`)).toEqual([[8, 28, "AWS_ACCESS_KEY"]]);
    });

    it("applies this call's rules when they change from call to call", async () => {
      const text = "mail jane.doe@example.com now";
      const redact = await pii.scan([text], { EMAIL_ADDRESS: "redact" });
      expect(redact.texts[0]).toBe("mail [EMAIL_ADDRESS] now");
      expect((await pii.scan([text], { EMAIL_ADDRESS: "redact" })).texts[0]).toBe("mail [EMAIL_ADDRESS] now");
      expect((await pii.scan([text], { EMAIL_ADDRESS: "mask" })).texts[0]).toBe("mail ****.***@******e.com now");
      expect((await pii.scan([text], {})).findings).toEqual([]);
      expect((await pii.scan([text], { URL: "report" })).findings).toEqual([]);
      expect((await pii.scan([text], { EMAIL_ADDRESS: "redact" })).texts[0]).toBe("mail [EMAIL_ADDRESS] now");
    });
  });
}
