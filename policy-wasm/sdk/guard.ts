// The guard slot (export `check`, GuardCheckInput -> GuardCheckOutput) for authors' modules: the
// SDK reads the texts and roles, the module's rule scores one part (text) at a time, and the SDK
// writes the contract: one GuardPartResult per text in input order, the verdict (BLOCK when a
// part reaches the threshold, else ALLOW), the highest score, and the reasons of the parts at or
// above the threshold (each once).
//
// A module:
//   export { abi_version } from "@sluice/policy-sdk";
//   export function check(): i32 { return runCheckWith(rule); }
//   function rule(part: i32, text: usize, len: i32): void {
//     if (roleIs(part, "user") && findAscii(text, len, "ignore previous", 0, true) >= 0) flag(0.9, "injection", "override");
//   }
// Labels: "injection", "jailbreak" or "prompt_leak"; reasons are short ids matching
// [a-z0-9_.:-]{1,64} (the host rejects anything else: never put the text there).
// Field numbers: guard_fields.ts. Nothing allocates per call.
import { IntList } from "./buffers";
import {
  output, startReading, readVarint, readFloat, skip, pos, bad, varintSize, writeVarint, writeTag, writeAscii,
  WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32,
} from "./wire";
import { input, readInput, writeOutput } from "./io";
import { ABI_VERSION, abiAccepted } from "./abi";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION, fail, standardMessage } from "./errors";
import { bytesEqual } from "./text";
import { GuardCheckInput, GuardCheckOutput, GuardPartResult } from "./guard_fields";

/** policy.proto `GuardVerdict`. */
export namespace Verdict {
  export const ALLOW: u32 = 1;
  export const FLAG: u32 = 2;
  export const BLOCK: u32 = 3;
}

/** The score at or above which a part is an attack when the input gives none. */
export const DEFAULT_THRESHOLD: f32 = 0.5;
const MAX_REASONS: i32 = 16;

const texts = new IntList(); // pairs: offset, length
const roles = new IntList(); // pairs: offset, length
/** This call's threshold (the input's, else DEFAULT_THRESHOLD). */
export let threshold: f32 = 0.5;

// the part being scored
let partScore: f32 = 0;
let partLabel: string = "benign";
const partReasons = new StaticArray<string>(MAX_REASONS);
let partReasonCount: i32 = 0;

/** Number of texts in this call. */
export function partCount(): i32 { return texts.count >> 1; }

/** Whether text `part`'s role is `role` ("system", "user", "assistant", "tool"). */
export function roleIs(part: i32, role: string): bool {
  if ((part << 1) >= roles.count) return false;
  return bytesEqual(input.ptr + <usize>roles.get(part << 1), roles.get((part << 1) + 1), role);
}

/** Raises the current part's score to `score` (0..1; the highest flag wins the label) and adds
 *  `reason` (a short id, never text) to its reasons. */
export function flag(score: f32, label: string, reason: string): void {
  assert(score >= 0 && score <= 1 && reason.length > 0 && reason.length <= 64);
  if (score > partScore) { partScore = score; partLabel = label; }
  for (let k = 0; k < partReasonCount; k++) if (unchecked(partReasons[k]) == reason) return;
  if (partReasonCount < MAX_REASONS) unchecked(partReasons[partReasonCount++] = reason);
}

function parseInput(base: usize, len: i32): i32 {
  texts.count = 0; roles.count = 0; threshold = DEFAULT_THRESHOLD;
  let abi: u32 = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_VARINT) { const v = readVarint(base, len); if (field == GuardCheckInput.abi_version) abi = v; }
    else if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      if (field == GuardCheckInput.texts) { texts.push(pos); texts.push(n); }
      else if (field == GuardCheckInput.roles) { roles.push(pos); roles.push(n); }
      skip(n);
    } else if (wt == WIRE_I32) { const v = readFloat(base, len); if (field == GuardCheckInput.threshold && v > 0) threshold = v; }
    else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  return abiAccepted(abi) ? OK : ERR_ABI_VERSION;
}

// the whole call's answer: the highest score, and the reasons of parts at the threshold
const callReasons = new StaticArray<string>(MAX_REASONS);
let callReasonCount: i32 = 0;

function writeFloat(v: f32): void {
  output.ensure(4);
  store<f32>(output.ptr + output.len, v);
  output.len += 4;
}

function writePart(index: u32): void {
  let size = 1 + varintSize(index) + 5 + 1 + varintSize(<u32>partLabel.length) + partLabel.length;
  for (let k = 0; k < partReasonCount; k++) { const r = unchecked(partReasons[k]); size += 1 + varintSize(<u32>r.length) + r.length; }
  writeTag(GuardCheckOutput.parts, WIRE_LEN); writeVarint(<u32>size);
  writeTag(GuardPartResult.text_index, WIRE_VARINT); writeVarint(index);
  writeTag(GuardPartResult.score, WIRE_I32); writeFloat(partScore);
  writeTag(GuardPartResult.label, WIRE_LEN); writeVarint(<u32>partLabel.length); writeAscii(partLabel);
  for (let k = 0; k < partReasonCount; k++) {
    const r = unchecked(partReasons[k]);
    writeTag(GuardPartResult.reasons, WIRE_LEN); writeVarint(<u32>r.length); writeAscii(r);
  }
}

/** Checks the GuardCheckInput in the input buffer with `rule` (called once per text); the
 *  GuardCheckOutput is left in `output`. OK or an error code (with the Extism error set). */
export function checkInput(rule: (part: i32, text: usize, len: i32) => void, len: i32): i32 {
  output.len = 0;
  const code = parseInput(input.ptr, len);
  if (code != OK) return fail(code, standardMessage("guard", "GuardCheckInput", code));
  writeTag(GuardCheckOutput.abi_version, WIRE_VARINT); writeVarint(ABI_VERSION);
  // parts go first into the output; the verdict, score and reasons follow them (field order
  // does not matter in protobuf)
  let top: f32 = 0;
  callReasonCount = 0;
  const n = partCount();
  for (let p = 0; p < n; p++) {
    partScore = 0; partLabel = "benign"; partReasonCount = 0;
    rule(p, input.ptr + <usize>texts.get(p << 1), texts.get((p << 1) + 1));
    if (partScore < threshold) partLabel = "benign";
    else for (let k = 0; k < partReasonCount; k++) {
      const r = unchecked(partReasons[k]);
      let seen = false;
      for (let q = 0; q < callReasonCount; q++) if (unchecked(callReasons[q]) == r) seen = true;
      if (!seen && callReasonCount < MAX_REASONS) unchecked(callReasons[callReasonCount++] = r);
    }
    if (partScore > top) top = partScore;
    writePart(<u32>p);
  }
  writeTag(GuardCheckOutput.verdict, WIRE_VARINT); writeVarint(n > 0 && top >= threshold ? Verdict.BLOCK : Verdict.ALLOW);
  writeTag(GuardCheckOutput.score, WIRE_I32); writeFloat(top);
  for (let q = 0; q < callReasonCount; q++) {
    const r = unchecked(callReasons[q]);
    writeTag(GuardCheckOutput.reasons, WIRE_LEN); writeVarint(<u32>r.length); writeAscii(r);
  }
  return OK;
}

/** The whole `check` export, I/O chosen at build (io.ts). */
export function runCheckWith(rule: (part: i32, text: usize, len: i32) => void): i32 {
  const code = checkInput(rule, readInput());
  if (code != OK) return code;
  writeOutput(output.ptr, output.len);
  return OK;
}
