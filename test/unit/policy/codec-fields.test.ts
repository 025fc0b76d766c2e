// The hand-written codecs take their field numbers and types from one table each (TypeScript:
// PII_FIELDS, ROUTER_FIELDS, TOKENS_FIELDS; AssemblyScript: the SDK's policy-wasm/sdk/<slot>_fields.ts).
// This checks those tables against the descriptors protobuf-es generates from
// proto/sluice/policy/v1/policy.proto, so a number or a type cannot drift from the proto.
//
// The AssemblyScript side cannot be imported here: its *_fields.ts files are parsed as text
// (`export namespace <Message> { export const <field>: u32 = <number>; }`) and their numbers
// checked. Their wire types are not constants there (the parsers compare against WIRE_* of
// sdk/wire.ts next to each use); the module tests check them end to end by decoding the
// modules' own output with protobuf-es (pii-module, router-codec, tokens-slot tests).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AbiVersion, PiiAction, file_sluice_policy_v1_policy } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { ABI_VERSION } from "../../../src/policy/host/definitions.js";
import type { FieldSpec } from "../../../src/policy/host/wire.js";
import { PII_FIELDS } from "../../../src/policy/pii/codec.js";
import { ROUTER_FIELDS } from "../../../src/policy/router/codec.js";
import { GUARD_FIELDS } from "../../../src/policy/guard/codec.js";
import { TOKENS_FIELDS } from "../../../src/policy/tokens/codec.js";
import { ENCODINGS, patternId } from "../../../src/policy/tokens/encodings.js";
import { TOKENS_MODULE_ERRORS } from "../../../src/policy/tokens/errors.js";

const WASM = join(process.cwd(), "policy-wasm");
const messages = new Map(file_sluice_policy_v1_policy.messages.map((m) => [m.name, m]));

function message(name: string): DescMessage {
  const desc = messages.get(name);
  if (!desc) throw new Error(`policy.proto has no message ${name}`);
  return desc;
}

const SCALARS: Partial<Record<ScalarType, FieldSpec["type"]>> = {
  [ScalarType.UINT32]: "uint32", [ScalarType.UINT64]: "uint64", [ScalarType.BOOL]: "bool", [ScalarType.FLOAT]: "float",
  [ScalarType.DOUBLE]: "double", [ScalarType.STRING]: "string", [ScalarType.BYTES]: "bytes",
};

/** A descriptor field as a FieldSpec, to compare with a codec's table. */
function specOf(field: DescField): FieldSpec & { packed?: boolean } {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  const type = kind === "scalar" ? (SCALARS[field.scalar!] ?? `unsupported scalar ${ScalarType[field.scalar!]}`)
    : kind === "enum" ? "enum" : kind === "message" ? "message" : `unsupported ${kind}`;
  if (field.fieldKind !== "list") return { no: field.number, type: type as FieldSpec["type"] };
  // packing matters for repeated numbers only: the codecs write them packed
  const numeric = kind === "scalar" && type !== "string" && type !== "bytes";
  return { no: field.number, type: type as FieldSpec["type"], repeated: true, ...(numeric ? { packed: field.packed } : {}) };
}

/** Problems of one TypeScript table against policy.proto (empty: it matches). */
function tableProblems(table: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>): string[] {
  const problems: string[] = [];
  for (const [messageName, fields] of Object.entries(table)) {
    const msg = message(messageName);
    for (const [fieldName, spec] of Object.entries(fields)) {
      const field = msg.fields.find((f) => f.name === fieldName);
      if (!field) {
        problems.push(`${messageName}.${fieldName}: not in policy.proto`);
        continue;
      }
      const want = specOf(field);
      const got = { no: spec.no, type: spec.type, ...(spec.repeated ? { repeated: true } : {}), ...("packed" in want ? { packed: true } : {}) };
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${messageName}.${fieldName}: codec says ${JSON.stringify(got)}, policy.proto ${JSON.stringify(want)}`);
    }
    // every field of a message the codec handles is in its table: a field added to the proto
    // makes the codec's author decide what the codec does with it
    for (const field of msg.fields) {
      if (!(field.name in fields)) problems.push(`${messageName}.${field.name}: in policy.proto, missing from the codec's table`);
    }
  }
  return problems;
}

/** `namespace -> const -> number` of an AssemblyScript fields.ts. */
function assemblyFields(path: string): Map<string, Map<string, number>> {
  const source = readFileSync(path, "utf8");
  const namespaces = new Map<string, Map<string, number>>();
  for (const ns of source.matchAll(/export namespace (\w+) \{([^}]*)\}/g)) {
    const constants = new Map<string, number>();
    for (const c of ns[2]!.matchAll(/export const (\w+): u32 = (\d+);/g)) constants.set(c[1]!, Number(c[2]));
    // a line the pattern missed would be a field left unchecked
    const declared = ns[2]!.split("\n").filter((line) => /\S/.test(line) && !/^\s*\/\//.test(line)).length;
    if (declared !== constants.size) throw new Error(`${path}: namespace ${ns[1]} has lines that are not \`export const <field>: u32 = <n>;\``);
    namespaces.set(ns[1]!, constants);
  }
  return namespaces;
}

function assemblyProblems(path: string): string[] {
  const problems: string[] = [];
  const namespaces = assemblyFields(path);
  if (namespaces.size === 0) problems.push(`${path}: no namespaces found`);
  for (const [messageName, constants] of namespaces) {
    const msg = messages.get(messageName);
    if (!msg) {
      problems.push(`${messageName}: not a message of policy.proto`);
      continue;
    }
    for (const [fieldName, no] of constants) {
      const field = msg.fields.find((f) => f.name === fieldName);
      if (!field) problems.push(`${messageName}.${fieldName}: not in policy.proto`);
      else if (field.number !== no) problems.push(`${messageName}.${fieldName}: module says ${no}, policy.proto ${field.number}`);
    }
  }
  return problems;
}

/** `name -> value` of `const NAME: <type> = <integer>;` declarations in an AssemblyScript file. */
function assemblyConstants(path: string, pattern: RegExp): Map<string, number> {
  const found = new Map<string, number>();
  for (const m of readFileSync(path, "utf8").matchAll(/(?:export )?const (\w+): [iu]32 = (\d+);/g)) {
    if (pattern.test(m[1]!)) found.set(m[1]!, Number(m[2]));
  }
  return found;
}

describe("TypeScript codec tables against policy.proto", () => {
  it.each([
    ["pii/codec.ts", PII_FIELDS],
    ["router/codec.ts", ROUTER_FIELDS],
    ["tokens/codec.ts", TOKENS_FIELDS],
    ["guard/codec.ts", GUARD_FIELDS],
  ] as const)("%s", (_name, table) => {
    expect(tableProblems(table)).toEqual([]);
  });

  it("catch a wrong number, a wrong type, a field the proto does not have and one the table misses", () => {
    const planted = {
      PiiRewrite: { text_index: { no: 1, type: "uint32" }, text: { no: 3, type: "string" } },
      PiiPlaceholder: { placeholder: { no: 1, type: "bytes" }, original: { no: 2, type: "string" } },
      TokenIds: { ids: { no: 1, type: "uint32", repeated: true }, extra: { no: 2, type: "uint32" } },
      RouterRouteOutput: { abi_version: { no: 1, type: "uint32" }, target_ids: { no: 2, type: "string", repeated: true } },
    } satisfies Record<string, Record<string, FieldSpec>>;
    expect(tableProblems(planted)).toEqual([
      'PiiRewrite.text: codec says {"no":3,"type":"string"}, policy.proto {"no":2,"type":"string"}',
      'PiiPlaceholder.placeholder: codec says {"no":1,"type":"bytes"}, policy.proto {"no":1,"type":"string"}',
      "TokenIds.extra: not in policy.proto",
      "RouterRouteOutput.reason: in policy.proto, missing from the codec's table",
    ]);
  });
});

describe("AssemblyScript field numbers against policy.proto", () => {
  it.each(["pii", "router", "tokens", "guard"])("sdk/%s_fields.ts", (slot) => {
    expect(assemblyProblems(join(WASM, "sdk", `${slot}_fields.ts`))).toEqual([]);
  });

  it("every message a module's fields.ts names is one the TypeScript side handles too", () => {
    const typescript = new Set([...Object.keys(PII_FIELDS), ...Object.keys(ROUTER_FIELDS), ...Object.keys(TOKENS_FIELDS), ...Object.keys(GUARD_FIELDS), "PiiRule"]);
    for (const module of ["pii", "router", "tokens", "guard"]) {
      for (const name of assemblyFields(join(WASM, "sdk", `${module}_fields.ts`)).keys()) expect(typescript, `${module}: ${name}`).toContain(name);
    }
  });

  it("catch a planted mismatch", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-fields-"));
    try {
      const path = join(dir, "fields.ts");
      const source = readFileSync(join(WASM, "sdk", "router_fields.ts"), "utf8");
      writeFileSync(path, source.replace("export const weight: u32 = 8;", "export const weight: u32 = 9;"));
      expect(assemblyProblems(path)).toEqual(["RouterCandidate.weight: module says 9, policy.proto 8"]);
      writeFileSync(path, source.replace("export const weight: u32 = 8;", "export const weight: u32 = 8; // a comment is fine\n  export const wieght: u32 = 8;"));
      expect(assemblyProblems(path)).toEqual(["RouterCandidate.wieght: not in policy.proto"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("other numbers both sides share", () => {
  it("ABI version", () => {
    expect(ABI_VERSION).toBe(AbiVersion.V1);
    // one constant in the SDK; every module's codec imports it from there
    expect([...assemblyConstants(join(WASM, "sdk", "abi.ts"), /^ABI_VERSION$/).values()]).toEqual([AbiVersion.V1]);
    for (const file of ["pii/assembly/scan.ts", "sdk/router.ts", "tokens/assembly/request.ts", "guard/assembly/check.ts"]) {
      const source = readFileSync(join(WASM, file), "utf8");
      expect(source, file).toMatch(/import \{ (?:ABI_VERSION|ABI_VERSION, abiAccepted) \} from "(?:\.\.\/\.\.\/sdk\/|\.\/)abi";/);
      expect([...assemblyConstants(join(WASM, file), /^ABI_VERSION$/).keys()], file).toEqual([]);
    }
  });

  it("the pii module's action codes are PiiAction's", () => {
    const actions = assemblyConstants(join(WASM, "pii", "assembly", "entities.ts"), /^ACTION_/);
    expect(Object.fromEntries(actions)).toEqual({
      ACTION_NONE: PiiAction.UNSPECIFIED, ACTION_REPORT: PiiAction.REPORT, ACTION_REDACT: PiiAction.REDACT,
      ACTION_MASK: PiiAction.MASK, ACTION_PLACEHOLDER: PiiAction.PLACEHOLDER, ACTION_BLOCK: PiiAction.BLOCK,
    });
  });

  it("the tokens module's error codes and rank-blob pattern ids are the host's", () => {
    const codes = assemblyConstants(join(WASM, "tokens", "assembly", "errors.ts"), /^ERR_/);
    expect([...codes.values()].sort()).toEqual(Object.keys(TOKENS_MODULE_ERRORS).map(Number).sort());
    const patterns = assemblyConstants(join(WASM, "tokens", "assembly", "ranks.ts"), /^PATTERN_/);
    expect(Object.fromEntries(patterns)).toEqual({ PATTERN_CL100K: patternId(ENCODINGS[0]), PATTERN_O200K: patternId(ENCODINGS[1]) });
  });
});
