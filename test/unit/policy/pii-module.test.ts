// The pii module through the host, both I/O paths: conformance vectors, actions, placeholders.
// Runs the debug builds (assertions on; helpers.ts debugBuild).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../../../src/policy/host/conformance.js";
import { PolicyInstance } from "../../../src/policy/host/instance.js";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { inspectWasm } from "../../../src/policy/host/wasm-inspect.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import { builtModule, debugBuild, loadedSlot } from "./helpers.js";
import { PlaceholderStreamRestorer, restorePlaceholders } from "../../../src/policy/pii/restore.js";
import { DEFAULT_PII_RULES } from "../../../src/policy/pii/rules.js";

for (const moduleName of [debugBuild("pii"), debugBuild("pii-hostio")]) {
  describe(`${moduleName}.wasm`, () => {
    let slot: PolicySlot;
    let pii: PiiSlot;
    beforeAll(async () => {
      slot = await loadedSlot(moduleName);
      pii = new PiiSlot(slot);
    });
    afterAll(() => slot.close());

    it("passes the pii slot's conformance vectors on the main thread", async () => {
      const bytes = builtModule(moduleName);
      const instance = await PolicyInstance.create({ bytes, info: inspectWasm(bytes), untrusted: false, timeoutMs: 1000 });
      expect(instance.hostIo).toBe(moduleName === debugBuild("pii-hostio"));
      expect(await instance.exportedAbiVersion()).toBe(1);
      expect(await runConformance(SLOT_DEFINITIONS.pii, instance)).toEqual([]);
      await instance.drainAndClose();
    });

    it("replaces an email and a card with placeholders and maps them back", async () => {
      const r = await pii.scan(["Write to jane.doe@example.com, card 4111-1111-1111-1111.", "again jane.doe@example.com"], {
        EMAIL_ADDRESS: "placeholder", CREDIT_CARD: "placeholder",
      });
      expect(r.outcome).toBe("rewritten");
      expect(r.texts).toEqual(["Write to <EMAIL_1>, card <CARD_1>.", "again <EMAIL_1>"]);
      expect([...r.placeholders]).toEqual([["<EMAIL_1>", "jane.doe@example.com"], ["<CARD_1>", "4111-1111-1111-1111"]]);
      expect(r.findings.map((f) => [f.textIndex, f.start, f.end, f.entityType])).toEqual([
        [0, 9, 29, "EMAIL_ADDRESS"], [0, 36, 55, "CREDIT_CARD"], [1, 6, 26, "EMAIL_ADDRESS"],
      ]);
    });

    it("applies redact, mask and block per type", async () => {
      const r = await pii.scan(["ssn 078-05-1123 iban GB82 WEST 1234 5698 7654 32 token ghp_abcdefghijklmnopqrstuvwxyz0123456789"], {
        US_SSN: "redact", IBAN_CODE: "mask", GITHUB_TOKEN: "block",
      });
      expect(r.outcome).toBe("blocked");
      expect(r.blockedEntityTypes).toEqual(["GITHUB_TOKEN"]);
      expect(r.texts[0]).toBe("ssn [US_SSN] iban **** **** **** **** **54 32 token [GITHUB_TOKEN]");
    });

    it("finds secrets and network identifiers", async () => {
      const text = [
        "AKIAIOSFODNN7EXAMPLE", "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "sk-ant-api03-abcdefghijklmnopqrstuvwx",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "postgres://admin:s3cret@db.internal:5432/app", "10.1.2.3", "2001:db8::1", "+44 20 7946 0958",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----",
      ].join(" | ");
      const rules = Object.fromEntries(
        ["AWS_ACCESS_KEY", "API_KEY", "JWT", "URL_WITH_CREDENTIALS", "IP_ADDRESS", "PHONE_NUMBER", "CRYPTO", "PRIVATE_KEY", "EMAIL_ADDRESS"].map((t) => [t, "report" as const]),
      );
      const r = await pii.scan([text], rules);
      expect(r.findings.map((f) => `${f.entityType}:${text.slice(f.start, f.end).slice(0, 24)}`)).toEqual([
        "AWS_ACCESS_KEY:AKIAIOSFODNN7EXAMPLE", "API_KEY:sk-proj-abcdefghijklmnop", "API_KEY:sk-ant-api03-abcdefghijk",
        "JWT:eyJhbGciOiJIUzI1NiJ9.eyJ", "URL_WITH_CREDENTIALS:postgres://admin:s3cret@", "IP_ADDRESS:10.1.2.3",
        "IP_ADDRESS:2001:db8::1", "PHONE_NUMBER:+44 20 7946 0958", "CRYPTO:bc1qar0srrr7xfkvy5l643ly",
        "CRYPTO:1BvBMSEYstWetqTFn5Au4m4G", "PRIVATE_KEY:-----BEGIN RSA PRIVATE K",
      ]);
      expect(r.texts[0]).toBe(text);
      const key = r.findings.at(-1)!;
      expect(text.slice(key.start, key.end).endsWith("-----END RSA PRIVATE KEY-----")).toBe(true);
    });

    it("default rules: the upstream sees placeholders, the client gets the originals back, streamed or not", async () => {
      const prompt = "Email ana@example.org about card 5555 5555 5555 4444 and call +1 (415) 555-0132.";
      const r = await pii.scan([prompt], DEFAULT_PII_RULES);
      expect(r.texts[0]).toBe("Email <EMAIL_1> about card <CARD_1> and call <PHONE_1>.");
      const reply = "Done: wrote to <EMAIL_1>, charged <CARD_1>, will ring <PHONE_1>.";
      const restored = "Done: wrote to ana@example.org, charged 5555 5555 5555 4444, will ring +1 (415) 555-0132.";
      expect(restorePlaceholders(reply, r.placeholders)).toBe(restored);
      const stream = new PlaceholderStreamRestorer(r.placeholders);
      const chunks = reply.match(/.{1,7}/g)!;
      expect(chunks.map((c) => stream.push(c)).join("") + stream.flush()).toBe(restored);
    });

    it("survives 17,000 calls (periodic reset: Extism 1.0.3 fails call 16,383 without one)", async () => {
      for (let i = 0; i < 17_000; i++) {
        const result = await slot.call(new Uint8Array(0));
        if (!result.ok) throw new Error(`call ${i} failed: ${result.failure.message}`);
      }
    });

    it("reports UTF-16 offsets after astral and accented characters", async () => {
      const text = "né 😀😀 write 👉 ana@example.org now";
      const r = await pii.scan([text], { EMAIL_ADDRESS: "report" });
      const f = r.findings[0]!;
      expect(text.slice(f.start, f.end)).toBe("ana@example.org");
    });
  });
}
