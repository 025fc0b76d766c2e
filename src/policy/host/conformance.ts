// Conformance vectors: what any module must do to fill a slot. Each slot folder lists its own
// (pii/conformance.ts, ...); they run when a module is loaded or pushed (validate.ts) and by
// `sluice policy test`. Each vector gives an input and checks the output.
import { errorMessage, PolicyCallError } from "./errors.js";

export interface ConformanceVector {
  name: string;
  /** The export this vector calls; default the slot's own (`SlotDefinition.exportName`). */
  exportName?: string;
  input: Uint8Array;
  /** null when the output is right, else what is wrong. `error` is set when the call failed. */
  check(output: Uint8Array | null, error: Error | null): string | null;
}

/** A vector whose call must succeed: the output is decoded (a decode error is the problem) and
 *  `expect` says what is wrong with it, or null. */
export function outputVector<T>(
  name: string,
  input: Uint8Array,
  decode: (output: Uint8Array) => T,
  expect: (decoded: T) => string | null,
  exportName?: string,
): ConformanceVector {
  return {
    name,
    ...(exportName ? { exportName } : {}),
    input,
    check(output, error) {
      if (error || !output) return `call failed: ${error?.message ?? "no output"}`;
      try {
        return expect(decode(output));
      } catch (err) {
        return errorMessage(err);
      }
    },
  };
}

/** A vector whose input the module must refuse; `complaint` is the problem when it does not. */
export function refusalVector(name: string, input: Uint8Array, complaint: string): ConformanceVector {
  return { name, input, check: (_output, error) => (error ? null : complaint) };
}

/** null when `actual` and `expected` are the same JSON, else what differs. */
export function sameJson(actual: unknown, expected: unknown, what: string): string | null {
  return JSON.stringify(actual) === JSON.stringify(expected) ? null : `${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`;
}

/** Runs every vector of a slot on `instance`; the problems found (empty: conformant). A timeout
 *  stops the run (the instance is gone); a trap is reported and the next vector runs. */
export async function runConformance(
  def: { exportName: string; conformance: readonly ConformanceVector[] },
  instance: { call(exportName: string, input: Uint8Array): Promise<Uint8Array> },
): Promise<string[]> {
  const problems: string[] = [];
  for (const vector of def.conformance) {
    let output: Uint8Array | null = null;
    let error: Error | null = null;
    try {
      output = await instance.call(vector.exportName ?? def.exportName, vector.input);
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    if (error instanceof PolicyCallError && (error.kind === "timeout" || error.kind === "trap")) {
      problems.push(`conformance "${vector.name}": ${error.kind}: ${error.message}`);
      if (error.kind === "timeout") break;
      continue;
    }
    const problem = vector.check(output, error);
    if (problem) problems.push(`conformance "${vector.name}": ${problem}`);
  }
  return problems;
}
