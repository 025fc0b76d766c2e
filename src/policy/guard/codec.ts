// GuardCheckInput / GuardCheckOutput <-> plain TypeScript values, hand-written over
// ../host/wire.ts like the other slots' codecs (protobuf-es's reflective codec would cost more
// than the check). GUARD_FIELDS is the one place its field numbers and types come from
// (test/unit/policy/codec-fields.test.ts checks it against policy.proto's descriptors); the
// generated schema stays the reference for the bytes (test/unit/policy/guard-codec.test.ts).
// decodeGuardOutput adds the contract checks that turn a module's garbage into a typed failure:
// bytes that do not decode, a wrong ABI version, a part for a text that was not sent or a text
// without a part, a score outside 0..1, and a reason that is not a short id (reasons must never
// carry the prompt's text: a module cannot smuggle it into logs and error bodies).
import { ABI_VERSION } from "../host/definitions.js";
import { PolicyCallError } from "../host/errors.js";
import {
  finishMessage, messageBuffer, putString, putVarint, stringBound, tag, WireError, WireReader, type FieldSpec,
} from "../host/wire.js";

/** The fields this codec writes and reads, by message (policy.proto). */
export const GUARD_FIELDS = {
  GuardCheckInput: {
    abi_version: { no: 1, type: "uint32" },
    texts: { no: 2, type: "string", repeated: true },
    roles: { no: 3, type: "string", repeated: true },
    threshold: { no: 4, type: "float" },
  },
  GuardCheckOutput: {
    abi_version: { no: 1, type: "uint32" },
    verdict: { no: 2, type: "enum" },
    score: { no: 3, type: "float" },
    reasons: { no: 4, type: "string", repeated: true },
    parts: { no: 5, type: "message", repeated: true },
  },
  GuardPartResult: {
    text_index: { no: 1, type: "uint32" },
    score: { no: 2, type: "float" },
    label: { no: 3, type: "string" },
    reasons: { no: 4, type: "string", repeated: true },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

const IN = GUARD_FIELDS.GuardCheckInput, OUT = GUARD_FIELDS.GuardCheckOutput, PART = GUARD_FIELDS.GuardPartResult;
const IN_ABI = tag(IN.abi_version), IN_TEXT = tag(IN.texts), IN_ROLE = tag(IN.roles), IN_THRESHOLD = tag(IN.threshold);
const OUT_ABI = tag(OUT.abi_version), OUT_VERDICT = tag(OUT.verdict), OUT_SCORE = tag(OUT.score);
const OUT_REASON = tag(OUT.reasons), OUT_PART = tag(OUT.parts);
const PART_INDEX = tag(PART.text_index), PART_SCORE = tag(PART.score), PART_LABEL = tag(PART.label), PART_REASON = tag(PART.reasons);

/** A reason or label a module may return: a short id, never free text. */
const ID = /^[a-z0-9_.:-]{1,64}$/;
const MAX_REASONS = 32;

export type GuardRole = "system" | "user" | "assistant" | "tool";

export interface GuardText {
  text: string;
  role: GuardRole;
}

export interface GuardPart {
  /** Index into the texts checked. */
  index: number;
  role: GuardRole;
  score: number;
  /** "benign", "injection", "jailbreak", "prompt_leak" (or a module's own id). */
  label: string;
  reasons: string[];
}

const scratch = new DataView(new ArrayBuffer(4));

/** GuardCheckInput bytes (a view of their own, see ../host/wire.ts finishMessage). */
export function encodeGuardInput(texts: readonly GuardText[], threshold: number, abiVersion = ABI_VERSION): Uint8Array {
  let bound = 6 + 5;
  for (const t of texts) bound += stringBound(t.text) + stringBound(t.role);
  const buf = messageBuffer(bound);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = IN_ABI;
    at = putVarint(buf, at, abiVersion);
  }
  for (const t of texts) at = putString(buf, at, IN_TEXT, t.text);
  for (const t of texts) at = putString(buf, at, IN_ROLE, t.role);
  if (threshold > 0) {
    buf[at++] = IN_THRESHOLD;
    scratch.setFloat32(0, threshold, true);
    for (let k = 0; k < 4; k++) buf[at++] = scratch.getUint8(k);
  }
  return finishMessage(buf, at);
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `guard output: ${message}`);
}

function readFloat(r: WireReader): number {
  if (r.pos + 4 > r.end) throw new WireError("truncated float");
  const v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true);
  r.pos += 4;
  return v;
}

interface WirePart { index: number; score: number; label: string; reasons: string[] }

function readPart(buf: Uint8Array, start: number, end: number): WirePart {
  const m = new WireReader(buf, start, end);
  const part: WirePart = { index: 0, score: 0, label: "", reasons: [] };
  while (m.pos < end) {
    const key = m.varint();
    if (key === PART_INDEX) part.index = m.varint();
    else if (key === PART_SCORE) part.score = readFloat(m);
    else if (key === PART_LABEL) part.label = m.string();
    else if (key === PART_REASON) part.reasons.push(m.string());
    else m.skip(key & 7);
  }
  return part;
}

/** GuardCheckOutput's fields as read off the wire, before any contract check. */
interface GuardOutputFields {
  abiVersion: number;
  verdict: number;
  score: number;
  reasons: string[];
  parts: WirePart[];
}

/** Reads GuardCheckOutput (unknown fields skipped); throws WireError on malformed bytes. */
function readGuardOutput(bytes: Uint8Array): GuardOutputFields {
  const out: GuardOutputFields = { abiVersion: 0, verdict: 0, score: 0, reasons: [], parts: [] };
  const r = new WireReader(bytes);
  while (r.pos < r.end) {
    const key = r.varint();
    if (key >>> 3 === 0) throw new WireError("field number 0");
    if (key === OUT_ABI) out.abiVersion = r.varint();
    else if (key === OUT_VERDICT) out.verdict = r.varint();
    else if (key === OUT_SCORE) out.score = readFloat(r);
    else if (key === OUT_REASON) out.reasons.push(r.string());
    else if (key === OUT_PART) {
      const [start, end] = r.span();
      out.parts.push(readPart(bytes, start, end));
    } else r.skip(key & 7);
  }
  return out;
}

/** Decodes a module's answer into one part per text (in order); throws
 *  PolicyCallError("garbage") when it breaks the contract. */
export function decodeGuardOutput(bytes: Uint8Array, texts: readonly GuardText[]): GuardPart[] {
  let out: GuardOutputFields;
  try {
    out = readGuardOutput(bytes);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw garbage(`not a GuardCheckOutput (${err.message})`);
  }
  if (out.abiVersion !== ABI_VERSION) throw garbage(`abi_version ${out.abiVersion}, expected ${ABI_VERSION}`);
  const parts: Array<GuardPart | undefined> = new Array(texts.length);
  for (const p of out.parts) {
    if (p.index >= texts.length) throw garbage(`part for text ${p.index}, but ${texts.length} texts were sent`);
    if (parts[p.index]) throw garbage(`two parts for text ${p.index}`);
    if (!(p.score >= 0 && p.score <= 1)) throw garbage(`score ${p.score} of text ${p.index} outside 0..1`);
    if (!ID.test(p.label)) throw garbage(`label of text ${p.index} is not a short id`);
    if (p.reasons.length > MAX_REASONS || p.reasons.some((r) => !ID.test(r))) throw garbage(`reasons of text ${p.index} are not short ids`);
    parts[p.index] = { index: p.index, role: texts[p.index]!.role, score: p.score, label: p.label, reasons: p.reasons };
  }
  for (let i = 0; i < texts.length; i++) if (!parts[i]) throw garbage(`no part for text ${i}`);
  return parts as GuardPart[];
}
