// Custom PII recognizers (issue 23) inside the pii module: the host's compiled programs run by
// the module's regex VM (policy-wasm/pii/assembly/regex-vm.ts, custom.ts) through the slot's
// init. Both I/O builds (debug: assertions on). The conformance part compares the module's
// matches with JavaScript's RegExp on seeded random patterns of the supported subset and seeded
// inputs: the subset promises JavaScript's meaning for what it accepts.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PiiInitInputSchema } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { PolicyInstance } from "../../../src/policy/host/instance.js";
import { validateModule } from "../../../src/policy/host/validate.js";
import { inspectWasm } from "../../../src/policy/host/wasm-inspect.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import type { PiiCustomRecognizerConfig } from "../../../src/gen/sluice/v1/config_pb.js";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { customRecognizersInit } from "../../../src/policy/pii/custom/recognizers.js";
import { nullable, parseRegex, RegexSyntaxError } from "../../../src/policy/pii/custom/regex-syntax.js";
import { restorePlaceholders } from "../../../src/policy/pii/restore.js";
import { PII_ENTITY_TYPES, withScoring, type PiiRules } from "../../../src/policy/pii/rules.js";
import { seededRandom } from "../../support/seeded-random.js";
import { builtModule, debugBuild, loadedSlot } from "./helpers.js";

type Entry = Pick<PiiCustomRecognizerConfig, "entity" | "pattern" | "context" | "denyList" | "score" | "minScore" | "ignoreCase">;
const entry = (e: Partial<Entry> & { entity: string }): Entry =>
  ({ pattern: "", context: [], denyList: [], score: undefined, minScore: undefined, ignoreCase: false, ...e });

async function slotWith(moduleName: string, entries: Entry[]): Promise<PolicySlot> {
  return loadedSlot(moduleName, { init: customRecognizersInit(entries, PII_ENTITY_TYPES) });
}

const RECOGNIZERS: Entry[] = [
  entry({ entity: "EMPLOYEE_ID", pattern: "\\bEMP-[0-9]{6}\\b", context: ["employee", "staff"] }),
  // a weak shape: any 5 digits score 0.3, reported at 0.5 only with a context word near
  entry({ entity: "BADGE_NUMBER", pattern: "\\b\\d{5}\\b", score: 0.3, minScore: 0.5, context: ["badge"] }),
  entry({ entity: "PROJECT_CODENAME", denyList: ["Bluebird", "Night Owl"] }),
  entry({ entity: "TICKET", pattern: "(?i)tck-[a-f0-9]{4}" }),
];

for (const moduleName of [debugBuild("pii"), debugBuild("pii-hostio")]) {
  describe(`${moduleName}.wasm with custom recognizers`, () => {
    let slot: PolicySlot;
    let pii: PiiSlot;
    beforeAll(async () => {
      slot = await slotWith(moduleName, RECOGNIZERS);
      pii = new PiiSlot(slot);
    });
    afterAll(() => slot.close());

    it("a custom type gets its action like a built-in one: redact, placeholder (restored), mask, block", async () => {
      const text = "Ask employee EMP-004211 (mail ana@example.org) about EMP-1234567.";
      const redacted = await pii.scan([text], { EMPLOYEE_ID: "redact", EMAIL_ADDRESS: "redact" });
      expect(redacted.texts[0]).toBe("Ask employee [EMPLOYEE_ID] (mail [EMAIL_ADDRESS]) about EMP-1234567.");
      const ph = await pii.scan([text], { EMPLOYEE_ID: "placeholder" });
      expect(ph.texts[0]).toBe("Ask employee <EMPLOYEE_ID_1> (mail ana@example.org) about EMP-1234567.");
      expect(restorePlaceholders("Done for <EMPLOYEE_ID_1>.", ph.placeholders)).toBe("Done for EMP-004211.");
      expect((await pii.scan([text], { EMPLOYEE_ID: "mask" })).texts[0]).toContain("***-**4211");
      const blocked = await pii.scan([text], { EMPLOYEE_ID: "block" });
      expect(blocked.outcome).toBe("blocked");
      expect(blocked.blockedEntityTypes).toEqual(["EMPLOYEE_ID"]);
    });

    it("types not in the rules are not scanned for", async () => {
      const r = await pii.scan(["EMP-004211 and Bluebird"], { EMAIL_ADDRESS: "redact" });
      expect(r.outcome).toBe("clean");
    });

    it("context words gate a weak pattern; min_score in the rules overrides the entry's", async () => {
      const rules: PiiRules = { BADGE_NUMBER: "redact" };
      expect((await pii.scan(["The order 48213 shipped."], rules)).outcome).toBe("clean");
      const withWord = await pii.scan(["My badge is 48213, thanks.", "48213 was my Badge"], rules);
      expect(withWord.texts).toEqual(["My badge is [BADGE_NUMBER], thanks.", "[BADGE_NUMBER] was my Badge"]);
      expect(withWord.findings[0]!.score).toBeCloseTo(0.65, 5); // 0.3 + 0.35
      const lowered = await pii.scan(["The order 48213 shipped."], withScoring(rules, { minScores: { BADGE_NUMBER: 0.2 }, contextWindow: 0 }));
      expect(lowered.texts[0]).toBe("The order [BADGE_NUMBER] shipped.");
    });

    it("deny-list words are caught as whole words in any case, phrases too", async () => {
      const r = await pii.scan(["Status of BLUEBIRD and night owl, not bluebirds or Nightowl."], { PROJECT_CODENAME: "redact" });
      expect(r.texts[0]).toBe("Status of [PROJECT_CODENAME] and [PROJECT_CODENAME], not bluebirds or Nightowl.");
      expect(r.findings.every((f) => f.score === 1)).toBe(true);
    });

    it("ignore case, and UTF-16 offsets after non-ASCII text", async () => {
      const text = "Größe 🙂 ticket TCK-00af and tck-BEEF";
      const r = await pii.scan([text], { TICKET: "report" });
      expect(r.findings.map((f) => text.slice(f.start, f.end))).toEqual(["TCK-00af", "tck-BEEF"]);
    });

    it("overlaps resolve like built-in types (a custom match inside a URL's span: the higher priority wins)", async () => {
      const r = await pii.scan(["see EMP-004211@corp.example"], { EMPLOYEE_ID: "redact", EMAIL_ADDRESS: "redact" });
      expect(r.findings.map((f) => f.entityType)).toEqual(["EMAIL_ADDRESS"]); // priority 6 vs EMAIL's 6: the higher score, then longer
    });
  });
}

describe("a pii slot with custom recognizers needs a module with an init export", () => {
  it("validation refuses one without it, saying why", async () => {
    const init = customRecognizersInit(RECOGNIZERS, PII_ENTITY_TYPES);
    await expect(validateModule(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, init }, builtModule("router-hostio"))).rejects.toThrow(
      /missing export "init" \(the slot's config needs it: pii custom recognizers\)/,
    );
  });

  it("init is refused a second time on the same instance, and a malformed program is refused", async () => {
    const bytes = builtModule("pii");
    const good = await customRecognizersInit(RECOGNIZERS, PII_ENTITY_TYPES)!.input();
    const instance = await PolicyInstance.create({ bytes, info: inspectWasm(bytes), untrusted: false, timeoutMs: 1000, init: { exportName: "init", input: () => Promise.resolve(good) } });
    await expect(instance.call("init", good)).rejects.toThrow(/init was already called/);
    await instance.drainAndClose();
    // a program cut short: the module checks every program before it runs it
    const msg = fromBinary(PiiInitInputSchema, good);
    msg.recognizers[0]!.patternProgram = msg.recognizers[0]!.patternProgram.slice(0, 44);
    const broken = toBinary(PiiInitInputSchema, msg);
    await expect(PolicyInstance.create({ bytes, info: inspectWasm(bytes), untrusted: false, timeoutMs: 1000, init: { exportName: "init", input: () => Promise.resolve(broken) } }))
      .rejects.toThrow(/malformed custom recognizer/);
  });
});

describe("the regex VM runs in linear time", () => {
  let slot: PolicySlot;
  let pii: PiiSlot;
  beforeAll(async () => {
    slot = await slotWith(debugBuild("pii-hostio"), [
      entry({ entity: "NESTED", pattern: "(?:a+)+b" }),
      entry({ entity: "ALTERNATIVES", pattern: "(?:a|a)*c" }),
      entry({ entity: "COUNTED", pattern: "(?:a{1,30}){1,30}z" }),
    ]);
    pii = new PiiSlot(slot);
  });
  afterAll(() => slot.close());

  it("patterns that make a backtracking engine explode answer on 8k-byte inputs (none match)", async () => {
    // `/(?:a+)+b/.exec("a".repeat(40))` would not finish in JavaScript; the VM keeps one thread per instruction
    const r = await pii.scan(["a".repeat(8_000), "a".repeat(8_000) + "b"], { NESTED: "report", ALTERNATIVES: "report", COUNTED: "report" });
    expect(r.findings.map((f) => [f.textIndex, f.entityType, f.start, f.end])).toEqual([[1, "NESTED", 0, 8_001]]);
  });
});

// ---------------------------------------------------------------- conformance with RegExp

/** A random pattern of the subset, over a small alphabet so that matches are frequent. */
function randomPattern(random: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const atom = (): string => {
    const r = random();
    if (r < 0.35) return pick(["a", "b", "1", "-", " ", "A", "\\.", "\\-"]);
    if (r < 0.7) return pick(["[ab]", "[^a]", "[a-c1]", "[^ b]", "\\d", "\\w", "\\s", "\\W", ".", "[-a]", "[A-Z]", "\\D", "\\S"]);
    if (r < 0.82 && depth < 2) return `(?:${randomPattern(random, depth + 1)})`;
    if (r < 0.9 && depth < 2) return `(${randomPattern(random, depth + 1)}|${randomPattern(random, depth + 1)})`;
    return pick(["\\b", "\\B", "^", "$"]);
  };
  const quant = (a: string): string => {
    if (["\\b", "\\B", "^", "$"].includes(a)) return a;
    const q = pick(["", "", "", "?", "*", "+", "{2}", "{1,3}", "{0,2}", "{2,}"]);
    return a + q + (q && random() < 0.25 ? "?" : "");
  };
  const n = 1 + Math.floor(random() * 4);
  let out = "";
  for (let k = 0; k < n; k++) out += quant(atom());
  return out;
}

function randomInput(random: () => number): string {
  const alphabet = "ab1- .AbB2\n_";
  const len = Math.floor(random() * 40);
  let s = "";
  for (let k = 0; k < len; k++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

/** JavaScript's matches: `exec` with the g flag, stepping past empty matches (none here). */
function jsMatches(pattern: string, ignoreCase: boolean, text: string): Array<[number, number]> {
  const re = new RegExp(pattern, ignoreCase ? "gi" : "g");
  const out: Array<[number, number]> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

describe("conformance: the module's matches equal JavaScript RegExp's on the subset (seeded)", () => {
  const random = seededRandom(20261206);
  const cases: Array<{ pattern: string; ignoreCase: boolean; realistic: boolean }> = [];
  while (cases.length < 240) {
    const pattern = randomPattern(random);
    try {
      if (nullable(parseRegex(pattern))) continue; // refused at config check
    } catch (err) {
      if (err instanceof RegexSyntaxError) continue; // refused at config check (a repeated empty-matching part)
      throw err;
    }
    cases.push({ pattern, ignoreCase: random() < 0.25, realistic: false });
  }
  // and patterns as operators write them, also on texts that contain their ids
  for (const pattern of ["\\bEMP-\\d{6}\\b", "\\b[a-z][a-z0-9-]*\\.corp\\.example\\.net\\b", "\\bINV-\\d{4}-\\d{5}\\b", "\\bacct(?:[-_ ]?no)?[.:]? ?\\d{6,10}\\b",
    "\\b(?:Bluebird|Night Owl|Osprey)\\b", "[A-Z]{2}\\d{2}[A-Z0-9]{4,}", "\\bSKU[0-9A-Z]{6}\\b", "(?:\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}"]) {
    cases.push({ pattern, ignoreCase: false, realistic: true }, { pattern, ignoreCase: true, realistic: true });
  }
  // short inputs for the random patterns: RegExp, the reference, backtracks exponentially on
  // some of them (`(?:.{2,})*[-a]+`) over longer texts
  const inputs = Array.from({ length: 24 }, () => randomInput(random));
  inputs.push("a-b 1.A_b a", "aaaa bbbb 1111", "", "\n\n");
  const realisticInputs = [...inputs,
    "EMP-004211, emp-123456 EMP-1234567 xEMP-123456 build-7.corp.example.net a.corp.example.net. INV-2026-00411",
    "acct no. 12345678, ACCT:1234567 acct_no 123 osprey Night Owl bluebirds SKU4X9Q2Z GB82WEST12345698765432 +1 (415) 555-0132"];

  it("256 patterns x 28 inputs, 2 more for the realistic ones (both I/O builds agree with RegExp)", async () => {
    let compared = 0, withMatches = 0;
    const mismatches: string[] = [];
    for (const moduleName of [debugBuild("pii"), debugBuild("pii-hostio")]) {
      for (let batch = 0; batch < cases.length; batch += 64) {
        const group = cases.slice(batch, batch + 64);
        const slot = await slotWith(moduleName, group.map((c, k) => entry({ entity: `P${k}`, pattern: c.pattern, ignoreCase: c.ignoreCase })));
        const pii = new PiiSlot(slot);
        for (let k = 0; k < group.length; k++) {
          const { pattern, ignoreCase, realistic } = group[k]!;
          const texts = realistic ? realisticInputs : inputs;
          const r = await pii.scan(texts, { [`P${k}`]: "report" });
          for (let t = 0; t < texts.length; t++) {
            const got = r.findings.filter((f) => f.textIndex === t).map((f) => [f.start, f.end]);
            const want = jsMatches(pattern, ignoreCase, texts[t]!);
            compared++;
            if (want.length > 0) withMatches++;
            if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${moduleName} /${pattern}/${ignoreCase ? "i" : ""} on ${JSON.stringify(texts[t])}: got ${JSON.stringify(got)}, RegExp ${JSON.stringify(want)}`);
          }
        }
        await slot.close();
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBe(2 * (cases.length * inputs.length + 16 * 2));
    expect(cases.length).toBe(256);
    expect(withMatches).toBeGreaterThan(compared / 5); // the inputs exercise the patterns
  }, 120_000);
});
