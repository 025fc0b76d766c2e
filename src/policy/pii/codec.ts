// The pii slot's request-path codec: PiiScanInput out, PiiScanOutput in, hand-written over
// ../host/wire.ts because protobuf-es's reflective toBinary/fromBinary would take a large share
// of the policy budget (bench/RESULTS.md, "WASM policy core"). PII_FIELDS below is the one place
// its field numbers and types come from (test/unit/policy/codec-fields.test.ts checks it against
// the descriptors generated from proto/sluice/policy/v1/policy.proto); the generated schema stays
// the reference for the bytes (test/unit/policy/pii-wire.test.ts checks both directions).
// decodePiiOutput adds the contract checks that turn a module's garbage into a typed failure (bad
// protobuf, wrong ABI version, spans or rewrites pointing outside the texts).
import { create, toBinary } from "@bufbuild/protobuf";
import { PiiAction, PiiRuleSchema, PiiScanInputSchema } from "../../gen/sluice/policy/v1/policy_pb.js";
import { ABI_VERSION } from "../host/definitions.js";
import { errorMessage, PolicyCallError } from "../host/errors.js";
import {
  finishMessage, messageBuffer, putString, putVarint, stringBound, tag, WireError, WireReader as Reader, type FieldSpec,
} from "../host/wire.js";
import { piiScoring, type PiiActionName, type PiiRules } from "./rules.js";

/** The fields this codec writes and reads, by message (policy.proto). */
export const PII_FIELDS = {
  PiiScanInput: {
    abi_version: { no: 1, type: "uint32" },
    texts: { no: 2, type: "string", repeated: true },
    // written by protobuf-es (encodedRules): the rules of a slot are encoded once
    rules: { no: 3, type: "message", repeated: true },
    // written with the rules (encodedRules)
    context_window: { no: 4, type: "uint32" },
  },
  PiiScanOutput: {
    abi_version: { no: 1, type: "uint32" },
    spans: { no: 2, type: "message", repeated: true },
    rewrites: { no: 3, type: "message", repeated: true },
    placeholders: { no: 4, type: "message", repeated: true },
    blocked_entity_types: { no: 5, type: "string", repeated: true },
  },
  PiiSpan: {
    text_index: { no: 1, type: "uint32" },
    start: { no: 2, type: "uint32" },
    end: { no: 3, type: "uint32" },
    entity_type: { no: 4, type: "string" },
    action: { no: 5, type: "enum" },
    score: { no: 6, type: "float" },
  },
  PiiRewrite: {
    text_index: { no: 1, type: "uint32" },
    text: { no: 2, type: "string" },
  },
  PiiPlaceholder: {
    placeholder: { no: 1, type: "string" },
    original: { no: 2, type: "string" },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

const IN = PII_FIELDS.PiiScanInput, OUT = PII_FIELDS.PiiScanOutput, SPAN = PII_FIELDS.PiiSpan;
const REWRITE = PII_FIELDS.PiiRewrite, PLACEHOLDER = PII_FIELDS.PiiPlaceholder;
const IN_ABI = tag(IN.abi_version), IN_TEXT = tag(IN.texts);
const OUT_ABI = tag(OUT.abi_version), OUT_SPAN = tag(OUT.spans), OUT_REWRITE = tag(OUT.rewrites);
const OUT_PLACEHOLDER = tag(OUT.placeholders), OUT_BLOCKED = tag(OUT.blocked_entity_types);
const SPAN_TEXT_INDEX = tag(SPAN.text_index), SPAN_START = tag(SPAN.start), SPAN_END = tag(SPAN.end);
const SPAN_TYPE = tag(SPAN.entity_type), SPAN_ACTION = tag(SPAN.action), SPAN_SCORE = tag(SPAN.score);
const REWRITE_INDEX = tag(REWRITE.text_index), REWRITE_TEXT = tag(REWRITE.text);
const PLACEHOLDER_TEXT = tag(PLACEHOLDER.placeholder), PLACEHOLDER_ORIGINAL = tag(PLACEHOLDER.original);

const ACTION_CODES: Record<PiiActionName, PiiAction> = {
  report: PiiAction.REPORT, redact: PiiAction.REDACT, mask: PiiAction.MASK,
  placeholder: PiiAction.PLACEHOLDER, block: PiiAction.BLOCK,
};
const ACTION_NAMES = new Map<PiiAction, PiiActionName>(
  Object.entries(ACTION_CODES).map(([name, code]) => [code, name as PiiActionName]),
);

export interface PiiFinding {
  textIndex: number;
  /** UTF-16 code units (JavaScript string indices), end exclusive. */
  start: number;
  end: number;
  entityType: string;
  action: PiiActionName;
  /** Presidio-style confidence, 0..1. */
  score: number;
}

interface PiiScanDecoded {
  findings: PiiFinding[];
  /** The texts after the actions (unchanged texts are the input strings). */
  texts: string[];
  /** placeholder -> original value */
  placeholders: Map<string, string>;
  blockedEntityTypes: string[];
}

// ------------------------------------------------------------------------------ PiiScanInput

// The rules of a rules object are encoded once (protobuf-es, off the hot path) and appended.
const ruleCache = new WeakMap<PiiRules, Uint8Array>();
function encodedRules(rules: PiiRules): Uint8Array {
  let bytes = ruleCache.get(rules);
  if (!bytes) {
    const scoring = piiScoring(rules);
    const list = Object.entries(rules).map(([entityType, action]) =>
      create(PiiRuleSchema, { entityType, action: ACTION_CODES[action], minScore: scoring.minScores[entityType] }));
    bytes = toBinary(PiiScanInputSchema, create(PiiScanInputSchema, { rules: list, contextWindow: scoring.contextWindow }));
    ruleCache.set(rules, bytes);
  }
  return bytes;
}

/** PiiScanInput bytes: abi_version, texts, then the pre-encoded rules (a view of their own, see
 *  ../host/wire.ts finishMessage). */
export function encodePiiInput(texts: readonly string[], rules: PiiRules, abiVersion = ABI_VERSION): Uint8Array {
  const rulesBytes = encodedRules(rules);
  let bound = 6 + rulesBytes.byteLength;
  for (const t of texts) bound += stringBound(t);
  const buf = messageBuffer(bound);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = IN_ABI;
    at = putVarint(buf, at, abiVersion);
  }
  for (const text of texts) at = putString(buf, at, IN_TEXT, text);
  buf.set(rulesBytes, at);
  at += rulesBytes.byteLength;
  return finishMessage(buf, at);
}

// ----------------------------------------------------------------------------- PiiScanOutput

interface WireSpan { textIndex: number; start: number; end: number; entityType: string; action: number; score: number }
interface WireScanOutput {
  abiVersion: number;
  spans: WireSpan[];
  rewrites: { textIndex: number; text: string }[];
  placeholders: { placeholder: string; original: string }[];
  blockedEntityTypes: string[];
}

function readSpan(r: Reader, [start, end]: [number, number]): WireSpan {
  const m = new Reader(r.buf, start, end);
  const span: WireSpan = { textIndex: 0, start: 0, end: 0, entityType: "", action: 0, score: 0 };
  while (m.pos < end) {
    const key = m.varint();
    if (key === SPAN_TEXT_INDEX) span.textIndex = m.varint();
    else if (key === SPAN_START) span.start = m.varint();
    else if (key === SPAN_END) span.end = m.varint();
    else if (key === SPAN_TYPE) span.entityType = m.string();
    else if (key === SPAN_ACTION) span.action = m.varint();
    else if (key === SPAN_SCORE) span.score = m.float32();
    else m.skip(key & 7);
  }
  return span;
}

function readRewrite(r: Reader, [start, end]: [number, number]): { textIndex: number; text: string } {
  const m = new Reader(r.buf, start, end);
  const rewrite = { textIndex: 0, text: "" };
  while (m.pos < end) {
    const key = m.varint();
    if (key === REWRITE_INDEX) rewrite.textIndex = m.varint();
    else if (key === REWRITE_TEXT) rewrite.text = m.string();
    else m.skip(key & 7);
  }
  return rewrite;
}

function readPlaceholder(r: Reader, [start, end]: [number, number]): { placeholder: string; original: string } {
  const m = new Reader(r.buf, start, end);
  const p = { placeholder: "", original: "" };
  while (m.pos < end) {
    const key = m.varint();
    if (key === PLACEHOLDER_TEXT) p.placeholder = m.string();
    else if (key === PLACEHOLDER_ORIGINAL) p.original = m.string();
    else m.skip(key & 7);
  }
  return p;
}

/** Decodes PiiScanOutput's fields, before any contract check; throws WireError on malformed bytes. */
export function readScanOutput(bytes: Uint8Array): WireScanOutput {
  const out: WireScanOutput = { abiVersion: 0, spans: [], rewrites: [], placeholders: [], blockedEntityTypes: [] };
  const r = new Reader(bytes);
  while (r.pos < r.end) {
    const key = r.varint();
    if (key >>> 3 === 0) throw new WireError("field number 0");
    if (key === OUT_ABI) out.abiVersion = r.varint();
    else if (key === OUT_SPAN) out.spans.push(readSpan(r, r.span()));
    else if (key === OUT_REWRITE) out.rewrites.push(readRewrite(r, r.span()));
    else if (key === OUT_PLACEHOLDER) out.placeholders.push(readPlaceholder(r, r.span()));
    else if (key === OUT_BLOCKED) out.blockedEntityTypes.push(r.string());
    else r.skip(key & 7);
  }
  return out;
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `pii output: ${message}`);
}

/** Decodes a module's answer; throws PolicyCallError("garbage") when it breaks the contract. */
export function decodePiiOutput(bytes: Uint8Array, inputTexts: readonly string[]): PiiScanDecoded {
  let output: WireScanOutput;
  try {
    output = readScanOutput(bytes);
  } catch (err) {
    throw garbage(`not a PiiScanOutput (${errorMessage(err)})`);
  }
  if (output.abiVersion !== ABI_VERSION) throw garbage(`abi_version ${output.abiVersion}, expected ${ABI_VERSION}`);
  const findings: PiiFinding[] = [];
  for (const span of output.spans) {
    const text = inputTexts[span.textIndex];
    if (text === undefined || span.start >= span.end || span.end > text.length) {
      throw garbage(`span ${span.textIndex}:${span.start}-${span.end} outside the texts`);
    }
    const action = ACTION_NAMES.get(span.action);
    if (!action) throw garbage(`span with unknown action ${span.action}`);
    findings.push({ textIndex: span.textIndex, start: span.start, end: span.end, entityType: span.entityType, action, score: span.score });
  }
  const texts = [...inputTexts];
  for (const rewrite of output.rewrites) {
    if (rewrite.textIndex >= texts.length) throw garbage(`rewrite of text ${rewrite.textIndex} outside the texts`);
    texts[rewrite.textIndex] = rewrite.text;
  }
  const placeholders = new Map<string, string>();
  for (const p of output.placeholders) {
    if (!/^<[A-Z0-9_]+>$/.test(p.placeholder)) throw garbage(`malformed placeholder ${JSON.stringify(p.placeholder)}`);
    placeholders.set(p.placeholder, p.original);
  }
  return { findings, texts, placeholders, blockedEntityTypes: output.blockedEntityTypes };
}
