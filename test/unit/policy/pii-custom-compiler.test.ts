// Custom PII recognizers (issue 23), host side: the regex subset's parser and compiler
// (src/policy/pii/custom/), and `policies.pii.custom` at config check (refusals with the reason
// and the entry) and in the rules (custom types on, with their actions).
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/load-config.js";
import { ConfigError } from "../../../src/config/load.js";
import { PiiInitInputSchema } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { compileRegex, MAX_INSTRUCTIONS, OP, requiredLiteral } from "../../../src/policy/pii/custom/regex-program.js";
import { encodePiiInit } from "../../../src/policy/pii/custom/recognizers.js";
import { hasByte, nullable, parseRegex, RegexSyntaxError } from "../../../src/policy/pii/custom/regex-syntax.js";
import { PII_ENTITY_TYPES, piiRules, piiScoring } from "../../../src/policy/pii/rules.js";
import { slotInitFromConfig } from "../../../src/policy/slots.js";

const bytesOf = (set: Uint32Array): number[] => [...Array(256).keys()].filter((b) => hasByte(set, b));
const syntaxError = (pattern: string): string => {
  try {
    parseRegex(pattern);
  } catch (err) {
    expect(err).toBeInstanceOf(RegexSyntaxError);
    return (err as Error).message;
  }
  throw new Error(`${pattern} was accepted`);
};

describe("regex subset: parser", () => {
  it("accepts the documented subset", () => {
    for (const p of [
      "EMP-[0-9]{6}", "\\bEMP-\\d{6}\\b", "(?:ab|cd)+x", "a.c", "[^\\s,]+@x", "[a-zA-Z_][\\w-]*", "x{2,}", "x{1,3}?y",
      "(?<id>\\d{3})-\\d", "^\\d+$", "\\x41\\u0042\\t", "a\\.b\\-c\\\\", "[\\]\\-]x", "(?i)emp-\\d", "caf\u00e9", "a|b|c", "\\D\\W\\S",
    ]) expect(() => parseRegex(p), p).not.toThrow();
  });

  it("refuses what a linear-time matcher cannot run, or what is not valid, with the reason and offset", () => {
    expect(syntaxError("(a)\\1")).toMatch(/backreferences .* at offset 3/);
    expect(syntaxError("(?<n>a)\\k<n>")).toMatch(/backreferences/);
    expect(syntaxError("a(?=b)")).toMatch(/lookaround .* at offset 1/);
    expect(syntaxError("(?<!a)b")).toMatch(/lookaround/);
    expect(syntaxError("EMP-(")).toMatch(/missing \) .* at offset 4/);
    expect(syntaxError("a)")).toMatch(/unmatched \)/);
    expect(syntaxError("[a-")).toMatch(/missing \]/);
    expect(syntaxError("[z-a]")).toMatch(/range out of order/);
    expect(syntaxError("*a")).toMatch(/nothing to repeat/);
    expect(syntaxError("a**")).toMatch(/two quantifiers/);
    expect(syntaxError("a++")).toMatch(/possessive/);
    expect(syntaxError("\\b+")).toMatch(/assertion cannot be quantified/);
    expect(syntaxError("a{2001}")).toMatch(/repetition count over 1000/);
    expect(syntaxError("a{3,2}")).toMatch(/out of order/);
    expect(syntaxError("a{x")).toMatch(/does not start a quantifier/);
    expect(syntaxError("\\p{L}")).toMatch(/Unicode property/);
    expect(syntaxError("(?P<x>a)")).toMatch(/\(\?<name>/);
    expect(syntaxError("a(?i)b")).toMatch(/leading \(\?i\)/);
    expect(syntaxError("\\q")).toMatch(/unknown escape \\q/);
    expect(syntaxError("[é]")).toMatch(/non-ASCII/);
    expect(syntaxError("[]")).toMatch(/empty class/);
    expect(syntaxError("a\\")).toMatch(/cannot end with/);
    expect(syntaxError("x(a*)*")).toMatch(/repeated part that can match the empty string .* at offset 1/);
    expect(syntaxError("(?:a?){2}")).toMatch(/repeated part that can match the empty string/);
  });

  it("classes: ranges, negation, escapes inside; (?i) folds ASCII letters", () => {
    const set = (p: string, ic = false) => {
      const n = parseRegex(p, ic);
      if (n.kind !== "set") throw new Error(n.kind);
      return bytesOf(n.set);
    };
    expect(set("[a-c\\d_]")).toEqual([..."0123456789", ..."_abc"].map((c) => c.charCodeAt(0)).sort((a, b) => a - b));
    expect(set("[^a]").length).toBe(255);
    expect(set("[a-b]", true)).toEqual([65, 66, 97, 98]);
    expect(set(".").length).toBe(254); // not \n, not \r
    expect(set("\\s")).toEqual([9, 10, 11, 12, 13, 32]);
  });
});

describe("regex subset: compiler", () => {
  it("compiles to the documented program: literal bytes, classes, a final match", () => {
    const prog = compileRegex(parseRegex("EMP-[0-9]{2}"));
    const ops = [];
    for (let i = 0; i < prog.code.length; i += 3) ops.push(prog.code[i]);
    expect(ops).toEqual([OP.byte, OP.byte, OP.byte, OP.byte, OP.class, OP.class, OP.match]);
    expect(prog.classes.length).toBe(1); // [0-9] once, shared by both copies
    expect(bytesOf(prog.first)).toEqual([69]); // "E"
    const words = new DataView(prog.bytes.buffer);
    expect(words.getInt32(0, true)).toBe(7);
    expect(words.getInt32(4, true)).toBe(1);
    expect(prog.bytes.byteLength).toBe((10 + 7 * 3 + 8) * 4);
  });

  it("first-byte set looks through optional parts and assertions", () => {
    expect(bytesOf(compileRegex(parseRegex("\\b(?:x?y|z)")).first)).toEqual([120, 121, 122]);
    expect(bytesOf(compileRegex(parseRegex("(?i)k")).first)).toEqual([75, 107]);
  });

  it("knows patterns that match the empty string", () => {
    for (const p of ["a*", "(?:a|)", "\\b", "x{0}", "(?:a?b?)", "^$"]) expect(nullable(parseRegex(p)), p).toBe(true);
    for (const p of ["a+", "a*b", "\\bx\\b", "(?:a|b)"]) expect(nullable(parseRegex(p)), p).toBe(false);
  });

  it("finds the literal every match contains (the module skips texts without it)", () => {
    const lit = (p: string): string => {
      const b = requiredLiteral(parseRegex(p));
      let s = "";
      for (let k = 0; k < b.length; k += 2) s += b[k] === b[k + 1] ? String.fromCharCode(b[k]!) : `[${String.fromCharCode(b[k]!, b[k + 1]!)}]`;
      return s;
    };
    expect(lit("\\bEMP-\\d{6}\\b")).toBe("EMP-");
    expect(lit("\\b[a-z]+\\.corp\\.example\\.net\\b")).toBe(".corp.example.ne") // the first 16 bytes;
    expect(lit("(?i)tck-[0-9]{4}")).toBe("[Tt][Cc][Kk]-");
    expect(lit("x{3}y")).toBe("xxxy");
    expect(lit("ab?cd")).toBe(""); // no run of 3 that every match has
    expect(lit("(?:abc|abd)")).toBe(""); // alternatives: none claimed
    expect(lit("(?:abcd)+")).toBe("abcd");
  });

  it("refuses programs over the size limit", () => {
    expect(() => compileRegex(parseRegex("(?:\\d{1000}){3}"))).toThrow(new RegExp(`exceeds ${MAX_INSTRUCTIONS} instructions`));
    expect(() => compileRegex(parseRegex("\\d{1000}"))).not.toThrow();
  });
});

function configProblems(yaml: string): string[] {
  try {
    parseConfig(yaml, "t.yaml", {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}
const withCustom = (entries: string, extra = ""): string => `policies:\n  pii:\n${extra}    custom:\n${entries}`;

describe("policies.pii.custom at config check", () => {
  it("a good entry passes, its type is on (redact, or the action given) with its scoring", () => {
    const yaml = withCustom(
      "      - { entity: EMPLOYEE_ID, pattern: 'EMP-[0-9]{6}', context: [Employee, staff], min_score: 0.5, score: 0.4 }\n" +
      "      - { entity: PROJECT_CODENAME, deny_list: [Bluebird, Night Owl] }\n",
      "    actions: { EMPLOYEE_ID: placeholder, EMAIL_ADDRESS: redact }\n    min_score: { PROJECT_CODENAME: 0.9 }\n",
    );
    expect(configProblems(yaml)).toEqual([]);
    const pii = parseConfig(yaml, "t.yaml", {}).policies!.pii!;
    const rules = piiRules(pii);
    expect(rules).toEqual({ EMPLOYEE_ID: "placeholder", EMAIL_ADDRESS: "redact", PROJECT_CODENAME: "redact" });
    expect(piiScoring(rules).minScores).toEqual({ PROJECT_CODENAME: expect.closeTo(0.9, 5) });
    const init = slotInitFromConfig("pii", parseConfig(yaml, "t.yaml", {}).policies);
    expect(init.init?.exportName).toBe("init");
  });

  it("encodes PiiInitInput: names, programs, lower-case context words, scores", () => {
    const msg = fromBinary(PiiInitInputSchema, encodePiiInit([
      { entity: "EMPLOYEE_ID", pattern: "EMP-\\d{6}", context: ["Employee", "staff"], denyList: [], score: 0.4, minScore: 0.5, ignoreCase: false },
      { entity: "CODENAME", pattern: "", context: [], denyList: ["bluebird"], score: undefined, minScore: undefined, ignoreCase: false },
    ], PII_ENTITY_TYPES));
    expect(msg.abiVersion).toBe(1);
    expect(msg.recognizers.map((r) => [r.entityType, r.context, r.score, r.minScore, r.patternProgram.length > 0, r.denyListProgram.length > 0])).toEqual([
      ["EMPLOYEE_ID", "employee staff", expect.closeTo(0.4, 5), expect.closeTo(0.5, 5), true, false],
      ["CODENAME", "", 1, 0, false, true],
    ]);
  });

  it("no custom entries: no init (modules without an init export still fill the slot)", () => {
    expect(slotInitFromConfig("pii", parseConfig("policies:\n  pii: {}\n", "t.yaml", {}).policies)).toEqual({});
  });

  it("refuses bad entries with the reason and the entry", () => {
    const problems = configProblems(withCustom([
      "      - { entity: EMPLOYEE_ID, pattern: 'EMP-(\\d{6}' }",
      "      - { entity: employee_id, pattern: 'x' }",
      "      - { entity: EMAIL_ADDRESS, pattern: 'x' }",
      "      - { entity: BACKREF, pattern: '(a)\\1' }",
      "      - { entity: LOOK, pattern: 'a(?=b)' }",
      "      - { entity: EMPTY, pattern: 'a*' }",
      "      - { entity: HUGE, pattern: '(?:\\d{1000}){5}' }",
      "      - { entity: NOTHING }",
      "      - { entity: SCORED, pattern: 'x', score: 1.5 }",
      "      - { entity: CTX, pattern: 'x', context: ['two words'] }",
      "      - { entity: BACKREF, pattern: 'y' }",
      "",
    ].join("\n"), "    actions: { NOT_DEFINED: redact }\n"));
    const expected = [
      /^policies\.pii\.custom\[0\] \(EMPLOYEE_ID\)\.pattern "EMP-\(\\\\d\{6\}": missing \) for the group opened at offset 4$/,
      /^policies\.pii\.custom\[1\] \(employee_id\)\.entity: .* not an UPPER_SNAKE name/,
      /^policies\.pii\.custom\[2\] \(EMAIL_ADDRESS\)\.entity: EMAIL_ADDRESS is a built-in type/,
      /^policies\.pii\.custom\[3\] \(BACKREF\)\.pattern .*backreferences/,
      /^policies\.pii\.custom\[4\] \(LOOK\)\.pattern .*lookaround/,
      /^policies\.pii\.custom\[5\] \(EMPTY\)\.pattern "a\*": matches the empty string/,
      /^policies\.pii\.custom\[6\] \(HUGE\)\.pattern .*exceeds 2000 instructions/,
      /^policies\.pii\.custom\[7\] \(NOTHING\): needs a `pattern`, a `deny_list` or both/,
      /^policies\.pii\.custom\[8\] \(SCORED\)\.score: expected a score from 0 to 1, got 1\.5/,
      /^policies\.pii\.custom\[9\] \(CTX\)\.context\[0\]: "two words" must be one word/,
      /^policies\.pii\.custom\[10\] \(BACKREF\)\.entity: BACKREF is already defined by policies\.pii\.custom\[3\]/,
      /^policies\.pii\.actions\.NOT_DEFINED: unknown entity type/,
    ];
    for (const re of expected) expect(problems.some((p) => re.test(p)), `${re}\n${problems.join("\n")}`).toBe(true);
    // custom types are known to actions / min_score / entities
    expect(problems.some((p) => p.startsWith("policies.pii.actions.EMPLOYEE_ID"))).toBe(false);
  });

  it("custom type names are accepted in actions, entities and min_score", () => {
    expect(configProblems(withCustom("      - { entity: TICKET_ID, pattern: 'TCK-\\d+' }\n",
      "    actions: { TICKET_ID: mask }\n    entities: [TICKET_ID]\n    min_score: { TICKET_ID: 0.3 }\n"))).toEqual([]);
  });
});
