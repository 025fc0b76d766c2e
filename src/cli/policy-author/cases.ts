// The author's own test cases (<dir>/cases.json), run by `sluice policy test <dir>` after the
// slot's conformance vectors, the same way: each case is the slot's input message in protobuf
// JSON (field names as in policy.proto; abi_version is filled in) and `expect`, the fields of the
// output message that must have these values (proto JSON, snake_case names, enum names). Objects
// are matched field by field (fields not named are not checked), lists element by element and in
// full length.
import { readFileSync } from "node:fs";
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import {
  GuardCheckInputSchema, GuardCheckOutputSchema, PiiScanInputSchema, PiiScanOutputSchema, RouterRouteInputSchema,
  RouterRouteOutputSchema, TokensCountInputSchema, TokensCountOutputSchema,
} from "../../gen/sluice/policy/v1/policy_pb.js";
import type { SlotName } from "../../policy/index.js";

const MESSAGES: Record<SlotName, { input: DescMessage; output: DescMessage }> = {
  pii: { input: PiiScanInputSchema, output: PiiScanOutputSchema },
  guard: { input: GuardCheckInputSchema, output: GuardCheckOutputSchema },
  router: { input: RouterRouteInputSchema, output: RouterRouteOutputSchema },
  tokens: { input: TokensCountInputSchema, output: TokensCountOutputSchema },
};

/** One case as a conformance vector (the shape the host's runConformance takes). */
export interface CaseVector {
  name: string;
  input: Uint8Array;
  check(output: Uint8Array | null, error: Error | null): string | null;
}

/** What differs between `actual` and the expected subset (null: it matches). */
export function mismatch(actual: unknown, expected: unknown, path: string): string | null {
  if (Array.isArray(expected)) {
    const list = actual === undefined ? [] : actual;
    if (!Array.isArray(list)) return `${path}: got ${JSON.stringify(actual)}, want a list`;
    if (list.length !== expected.length) return `${path}: got ${list.length} item(s) ${JSON.stringify(list)}, want ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const problem = mismatch(list[i], expected[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === undefined || actual === null || typeof actual !== "object") return `${path}: got ${JSON.stringify(actual)}, want an object`;
    for (const [key, want] of Object.entries(expected)) {
      const problem = mismatch((actual as Record<string, unknown>)[key], want, path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return null;
  }
  // proto JSON leaves out fields at their default: absent reads as 0, "", false
  const got = actual === undefined ? (typeof expected === "number" ? 0 : typeof expected === "string" ? "" : typeof expected === "boolean" ? false : undefined) : actual;
  if (typeof expected === "number" && typeof got === "number" && !Number.isInteger(expected)) {
    return Math.abs(got - expected) < 1e-6 ? null : `${path}: got ${got}, want ${expected}`;
  }
  return got === expected ? null : `${path}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`;
}

/** Reads a cases file for `slot`; throws naming the case and what is wrong with it. */
export function loadCases(slot: SlotName, path: string): CaseVector[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new Error(`${path}: a list of cases ({ name, input, expect }) is expected`);
  const { input: inputSchema, output: outputSchema } = MESSAGES[slot];
  return raw.map((item, i) => {
    const c = item as { name?: unknown; input?: unknown; expect?: unknown };
    const name = typeof c.name === "string" ? c.name : `case ${i + 1}`;
    if (!c.input || typeof c.input !== "object" || !c.expect || typeof c.expect !== "object") {
      throw new Error(`${path}: "${name}": needs an input and an expect object`);
    }
    let input: Uint8Array;
    try {
      input = toBinary(inputSchema, fromJson(inputSchema, { abi_version: 1, ...(c.input as Record<string, JsonValue>) }));
    } catch (err) {
      throw new Error(`${path}: "${name}": input is not a ${inputSchema.typeName}: ${(err as Error).message}`);
    }
    const expected = c.expect;
    return {
      name: `your case: ${name}`,
      input,
      check(output: Uint8Array | null, error: Error | null): string | null {
        if (error || !output) return `call failed: ${error?.message ?? "no output"}`;
        const actual = toJson(outputSchema, fromBinary(outputSchema, output), { useProtoFieldName: true });
        return mismatch(actual, expected, "");
      },
    };
  });
}
