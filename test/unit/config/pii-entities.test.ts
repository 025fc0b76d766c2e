// `policies.pii.entities`, `min_score` and `context_window` (issue 22): which types run, with
// which action and minimum score, and the errors `config check` gives for unknown names.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/load-config.js";
import { ConfigError } from "../../../src/config/load.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, piiRules, piiScoring } from "../../../src/policy/pii/rules.js";

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, "t.yaml", {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}
const rulesOf = (yaml: string) => piiRules(parseConfig(yaml, "t.yaml", {}).policies!.pii!);

describe("policies.pii.entities", () => {
  it("absent: the module's default rules (as before), or only the types in actions", () => {
    expect(rulesOf("policies:\n  pii: { module: builtin:pii }\n")).toEqual(DEFAULT_PII_RULES);
    expect(rulesOf("policies:\n  pii: { actions: { EMAIL_ADDRESS: block } }\n")).toEqual({ EMAIL_ADDRESS: "block" });
  });

  it("all: every known type, each with its default action; actions override", () => {
    const rules = rulesOf("policies:\n  pii:\n    entities: all\n    actions: { CREDIT_CARD: block, UK_NINO: mask }\n");
    expect(Object.keys(rules).sort()).toEqual([...PII_ENTITY_TYPES].sort());
    expect(rules.CREDIT_CARD).toBe("block");
    expect(rules.UK_NINO).toBe("mask");
    expect(rules.EMAIL_ADDRESS).toBe("placeholder"); // its default action
    expect(rules.DE_TAX_ID).toBe("redact"); // a type without one: redact
    expect(rules.URL).toBe("redact");
  });

  it("default and a list: the default set plus the named types", () => {
    const rules = rulesOf("policies:\n  pii:\n    entities: [default, IN_AADHAAR, DATE_TIME]\n");
    expect(Object.keys(rules).sort()).toEqual([...Object.keys(DEFAULT_PII_RULES), "IN_AADHAAR", "DATE_TIME"].sort());
    expect(rules.IN_AADHAAR).toBe("redact");
  });

  it("min_score and context_window travel with the rules", () => {
    const rules = rulesOf("policies:\n  pii:\n    entities: [US_SSN]\n    min_score: { US_SSN: 0.3 }\n    context_window: 8\n");
    expect(piiScoring(rules)).toEqual({ minScores: { US_SSN: expect.closeTo(0.3, 5) }, contextWindow: 8 });
  });

  it("refuses unknown names, listing the known ones", () => {
    const p = problems("policies:\n  pii:\n    entities: [all, NOT_A_TYPE]\n    actions: { ALSO_NOT: redact }\n    min_score: { NOPE: 0.5, US_SSN: 1.5 }\n");
    expect(p).toHaveLength(4);
    expect(p[0]).toMatch(/^policies\.pii\.actions\.ALSO_NOT: unknown entity type \(known: EMAIL_ADDRESS, .*ZA_ID_NUMBER\)$/);
    expect(p[1]).toMatch(/^policies\.pii\.entities\[1\]: unknown entity type "NOT_A_TYPE" \(expected "default", "all" or one of: EMAIL_ADDRESS, .*IN_AADHAAR/);
    expect(p[2]).toMatch(/^policies\.pii\.min_score\.NOPE: unknown entity type/);
    expect(p[3]).toBe("policies.pii.min_score.US_SSN: expected a score from 0 to 1, got 1.5");
    expect(problems("policies:\n  pii:\n    entities: everything\n")[0]).toMatch(/^policies\.pii\.entities\[0\]: unknown entity type "everything"/);
    expect(problems("policies:\n  pii:\n    entities: { a: 1 }\n")[0]).toMatch(/^policies\.pii\.entities: expected a list/);
  });
});
