// The pii slot (export `scan`, PiiScanInput -> PiiScanOutput) for authors' modules: the SDK reads
// the texts and rules, the module's recognizers report matches as byte ranges, and the SDK does
// the rest of the contract: overlapping matches resolved, each type's action applied (report,
// redact `[TYPE]`, mask all but the last four letters and digits, reversible `<LABEL_n>`
// placeholders reused for the same value, block), spans written in UTF-16 code units.
//
// A module:
//   export { abi_version } from "@sluice/policy-sdk";
//   const EMPLOYEE_ID = entity("EMPLOYEE_ID", "EMPLOYEE", Action.REDACT);  // once, at start
//   export function scan(): i32 { return runScanWith(recognize); }
//   function recognize(text: usize, len: i32): void { ... report(start, end, EMPLOYEE_ID, 0.9); }
//
// Every pii module must pass the slot's conformance vectors, which need the common types (email,
// card, IBAN, AWS key): call `useBuiltins(builtinDetect)` at start with the shipped detectors
// (`import { builtinDetect } from "@sluice/policy-pii/assembly/builtin"`); your recognizers run
// beside them, and on overlap the higher score wins (then the longer match).
//
// Field numbers: pii_fields.ts. Nothing allocates per call: spans are integer lists, entity
// names are the strings registered at start, rewrites go into grow-only buffers.
import { ByteBuffer, IntList } from "./buffers";
import {
  output, startReading, readVarint, readFloat, skip, pos, bad, varintSize, writeVarint, writeTag, writeBytes, writeAscii,
  WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32,
} from "./wire";
import { input, readInput, writeOutput } from "./io";
import { ABI_VERSION, abiAccepted } from "./abi";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION, fail, standardMessage } from "./errors";
import { bytesEqual, utf16Start, utf16At } from "./text";
import { PiiPlaceholder, PiiRewrite, PiiRule, PiiScanInput, PiiScanOutput, PiiSpan } from "./pii_fields";

/** policy.proto `PiiAction`. */
export namespace Action {
  export const NONE: i32 = 0; // not scanned for
  export const REPORT: i32 = 1;
  export const REDACT: i32 = 2;
  export const MASK: i32 = 3;
  export const PLACEHOLDER: i32 = 4;
  export const BLOCK: i32 = 5;
}

// ---- entity types a module recognizes (registered once, at start)
const MAX_OWN: i32 = 32;
const ownNames = new StaticArray<string>(MAX_OWN);
const ownLabels = new StaticArray<string>(MAX_OWN);
const ownDefault = new StaticArray<i32>(MAX_OWN);
const ownAction = new StaticArray<i32>(MAX_OWN); // this call's
const ownMinScore = new StaticArray<f32>(MAX_OWN); // this call's
let ownCount: i32 = 0;

/** Registers an entity type the module recognizes; returns its id for report(). `name` is the
 *  type in PiiSpan.entity_type and rules (ASCII, e.g. "EMPLOYEE_ID"), `label` the placeholder's
 *  (`<EMPLOYEE_1>`), `defaultAction` what happens when the call's rules do not name the type
 *  (a rule naming it wins, NONE included). */
export function entity(name: string, label: string, defaultAction: i32): i32 {
  assert(ownCount < MAX_OWN && defaultAction >= Action.NONE && defaultAction <= Action.BLOCK);
  const id = ownCount++;
  unchecked(ownNames[id] = name); unchecked(ownLabels[id] = label); unchecked(ownDefault[id] = defaultAction);
  return id;
}

/** This call's action for a registered type (Action.NONE: not scanned for: skip the work). */
export function actionOf(id: i32): i32 { return unchecked(ownAction[id]); }

// ---- the shipped detectors, when the module uses them
/** Where a detector hands its spans: byte range, type name, placeholder label, action, score. */
export type SpanSink = (start: i32, end: i32, name: string, label: string, action: i32, score: f32) => void;
/** A detector hook (the shipped one: builtinDetect of policy-wasm/pii/assembly/builtin.ts).
 *  Phases: BUILTIN_RESET at each call (len = context window), BUILTIN_RULE per rule naming a type
 *  the module did not register (ptr, len = the name; action, minScore: the rule's, -1 = none),
 *  BUILTIN_TEXT per text (ptr, len = its bytes): detect, and hand each span to `sink`. */
export type DetectorHook = (phase: i32, ptr: usize, len: i32, action: i32, minScore: f32, sink: SpanSink) => void;
export const BUILTIN_RESET: i32 = 0, BUILTIN_RULE: i32 = 1, BUILTIN_TEXT: i32 = 2;
let builtins: DetectorHook | null = null;
/** Runs the shipped detectors beside the module's recognizers (see the header). */
export function useBuiltins(hook: DetectorHook): void { builtins = hook; }

// ---- the call's input
const textOffsets = new IntList(); // pairs: offset, length
const ruleOffsets = new IntList(); // pairs: offset, length
const DEFAULT_CONTEXT_WINDOW: i32 = 5;
/** Words the host asks to search for context on each side of a weak match (default 5). */
export let contextWindow: i32 = DEFAULT_CONTEXT_WINDOW;
/** Number of texts in this call; the recognizer is called once per text. */
export function textCount(): i32 { return textOffsets.count >> 1; }

// ---- spans of the current text: start, end (bytes), name, label (string refs), action, score
const sStart = new IntList(), sEnd = new IntList(), sName = new IntList(), sLabel = new IntList(), sAction = new IntList();
const scores = new ByteBuffer(); // f32 per span
let curText: usize = 0;
let curLen: i32 = 0;

function addSpan(start: i32, end: i32, name: string, label: string, action: i32, score: f32): void {
  if (action == Action.NONE || start < 0 || end > curLen || start >= end) return;
  sStart.push(start); sEnd.push(end); sAction.push(action);
  sName.push(<i32>changetype<usize>(name)); sLabel.push(<i32>changetype<usize>(label));
  scores.ensure(4); store<f32>(scores.ptr + scores.len, score); scores.len += 4;
}
@inline function scoreAt(k: i32): f32 { return load<f32>(scores.ptr + (<usize>k << 2)); }

/** Reports a match of registered type `id` at bytes [start, end) of the current text, 0..1 score.
 *  Ignored when the call does not scan for the type or the score is under its min_score. */
export function report(start: i32, end: i32, id: i32, score: f32): void {
  assert(id >= 0 && id < ownCount);
  if (score < unchecked(ownMinScore[id])) return;
  addSpan(start, end, unchecked(ownNames[id]), unchecked(ownLabels[id]), unchecked(ownAction[id]), score);
}

/** For the builtin hook: a span of a shipped type, with the action its rule gave. */
export function reportBuiltin(start: i32, end: i32, name: string, label: string, action: i32, score: f32): void {
  addSpan(start, end, name, label, action, score);
}

function swap(a: i32, b: i32): void {
  let t = sStart.get(a); sStart.set(a, sStart.get(b)); sStart.set(b, t);
  t = sEnd.get(a); sEnd.set(a, sEnd.get(b)); sEnd.set(b, t);
  t = sName.get(a); sName.set(a, sName.get(b)); sName.set(b, t);
  t = sLabel.get(a); sLabel.set(a, sLabel.get(b)); sLabel.set(b, t);
  t = sAction.get(a); sAction.set(a, sAction.get(b)); sAction.set(b, t);
  const f = scoreAt(a); store<f32>(scores.ptr + (<usize>a << 2), scoreAt(b)); store<f32>(scores.ptr + (<usize>b << 2), f);
}

/** Sorts spans by start and keeps, of overlapping ones, the higher score, then the longer. */
function resolveSpans(): i32 {
  const n = sStart.count;
  for (let i = 1; i < n; i++) for (let j = i; j > 0 && sStart.get(j - 1) > sStart.get(j); j--) swap(j - 1, j);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (kept > 0 && sStart.get(i) < sEnd.get(kept - 1)) {
      const last = kept - 1, si = scoreAt(i), sl = scoreAt(last);
      if (si > sl || (si == sl && sEnd.get(i) - sStart.get(i) > sEnd.get(last) - sStart.get(last))) swap(last, i);
      continue;
    }
    if (kept != i) swap(kept, i);
    kept++;
  }
  return kept;
}

// ---- parsing
function parseRule(base: usize, at: i32, end: i32): bool {
  startReading(at);
  let name = -1, nameLen = 0, action = 0;
  let minScore: f32 = -1;
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return false;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_I32) { const v = readFloat(base, end); if (field == PiiRule.min_score) minScore = v; }
    else if (wt == WIRE_VARINT) { const v = readVarint(base, end); if (field == PiiRule.action) action = <i32>v; }
    else if (wt == WIRE_LEN) {
      const len = <i32>readVarint(base, end);
      if (bad || len < 0 || pos + len > end) return false;
      if (field == PiiRule.entity_type) { name = pos; nameLen = len; }
      skip(len);
    } else if (wt == WIRE_I64) skip(8);
    else return false;
    if (bad) return false;
  }
  if (name < 0 || action < Action.NONE || action > Action.BLOCK) return true; // unknown action: ignored
  for (let id = 0; id < ownCount; id++) {
    if (!bytesEqual(base + <usize>name, nameLen, unchecked(ownNames[id]))) continue;
    unchecked(ownAction[id] = action);
    if (minScore >= 0) unchecked(ownMinScore[id] = minScore);
    return true;
  }
  const hook = builtins;
  if (hook) hook(BUILTIN_RULE, base + <usize>name, nameLen, action, minScore, reportBuiltin);
  return true;
}

function parseInput(base: usize, len: i32): i32 {
  textOffsets.count = 0; ruleOffsets.count = 0; contextWindow = DEFAULT_CONTEXT_WINDOW;
  for (let id = 0; id < ownCount; id++) { unchecked(ownAction[id] = ownDefault[id]); unchecked(ownMinScore[id] = 0); }
  let abi: u32 = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_VARINT) {
      const v = readVarint(base, len);
      if (field == PiiScanInput.abi_version) abi = v;
      else if (field == PiiScanInput.context_window && v > 0) contextWindow = v > 64 ? 64 : <i32>v;
    } else if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      if (field == PiiScanInput.texts) { textOffsets.push(pos); textOffsets.push(n); }
      else if (field == PiiScanInput.rules) { ruleOffsets.push(pos); ruleOffsets.push(n); }
      skip(n);
    } else if (wt == WIRE_I32) skip(4);
    else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  if (!abiAccepted(abi)) return ERR_ABI_VERSION;
  const hook = builtins;
  if (hook) hook(BUILTIN_RESET, 0, contextWindow, 0, -1, reportBuiltin);
  for (let r = 0; r < ruleOffsets.count; r += 2) {
    const at = ruleOffsets.get(r);
    if (!parseRule(base, at, at + ruleOffsets.get(r + 1))) return ERR_BAD_INPUT;
  }
  return OK;
}

// ---- writing
const rewrite = new ByteBuffer();
const placeholders = new IntList(); // label ref, offset of the original in the input, length, number
const counters = new IntList(); // label ref, last number
const blockedNames = new IntList(); // name refs
const scoreBits = new StaticArray<f32>(1);

@inline function rewriteByte(b: i32): void { rewrite.ensure(1); store<u8>(rewrite.ptr + rewrite.len++, <u8>b); }
function rewriteAscii(s: string): void { for (let k = 0; k < s.length; k++) rewriteByte(s.charCodeAt(k)); }
function rewriteNumber(n: i32): void { if (n >= 10) rewriteNumber(n / 10); rewriteByte(48 + n % 10); }
function rewriteCopy(from: i32, to: i32): void {
  const n = <usize>(to - from);
  rewrite.ensure(n);
  memory.copy(rewrite.ptr + rewrite.len, curText + <usize>from, n);
  rewrite.len += n;
}
@inline function isAlnumByte(c: i32): bool { return <u32>(c - 48) < 10 || <u32>((c | 32) - 97) < 26; }

function writeSpan(textIndex: u32, start: u32, end: u32, name: string, action: u32, score: f32): void {
  const nameLen = <u32>name.length;
  const size = 1 + varintSize(textIndex) + 1 + varintSize(start) + 1 + varintSize(end) +
    1 + varintSize(nameLen) + <i32>nameLen + 1 + varintSize(action) + 5;
  writeTag(PiiScanOutput.spans, WIRE_LEN); writeVarint(<u32>size);
  writeTag(PiiSpan.text_index, WIRE_VARINT); writeVarint(textIndex);
  writeTag(PiiSpan.start, WIRE_VARINT); writeVarint(start);
  writeTag(PiiSpan.end, WIRE_VARINT); writeVarint(end);
  writeTag(PiiSpan.entity_type, WIRE_LEN); writeVarint(nameLen); writeAscii(name);
  writeTag(PiiSpan.action, WIRE_VARINT); writeVarint(action);
  unchecked(scoreBits[0] = score);
  writeTag(PiiSpan.score, WIRE_I32); writeBytes(changetype<usize>(scoreBits), 4);
}

function placeholder(start: i32, end: i32, labelRef: i32): void {
  const origin = <i32>(curText - input.ptr) + start, len = end - start;
  let number = 0;
  for (let k = 0; k < placeholders.count; k += 4) {
    if (placeholders.get(k) == labelRef && placeholders.get(k + 2) == len &&
        memory.compare(input.ptr + <usize>placeholders.get(k + 1), curText + <usize>start, <usize>len) == 0) { number = placeholders.get(k + 3); break; }
  }
  const fresh = number == 0;
  if (fresh) {
    let c = 0;
    while (c < counters.count && counters.get(c) != labelRef) c += 2;
    if (c == counters.count) { counters.push(labelRef); counters.push(0); }
    number = counters.get(c + 1) + 1;
    counters.set(c + 1, number);
    placeholders.push(labelRef); placeholders.push(origin); placeholders.push(len); placeholders.push(number);
  }
  const mark = rewrite.len;
  rewriteByte(60); rewriteAscii(changetype<string>(<usize>labelRef)); rewriteByte(95); rewriteNumber(number); rewriteByte(62);
  if (!fresh) return;
  const phLen = <i32>(rewrite.len - mark);
  writeTag(PiiScanOutput.placeholders, WIRE_LEN); writeVarint(<u32>(1 + varintSize(phLen) + phLen + 1 + varintSize(len) + len));
  writeTag(PiiPlaceholder.placeholder, WIRE_LEN); writeVarint(phLen); writeBytes(rewrite.ptr + mark, phLen);
  writeTag(PiiPlaceholder.original, WIRE_LEN); writeVarint(len); writeBytes(curText + <usize>start, len);
}

function mask(start: i32, end: i32): void {
  let alnum = 0;
  for (let p = start; p < end; p++) if (isAlnumByte(<i32>load<u8>(curText + <usize>p))) alnum++;
  let seen = 0;
  for (let p = start; p < end; p++) {
    const b = <i32>load<u8>(curText + <usize>p);
    if (isAlnumByte(b) && ++seen <= alnum - 4) rewriteByte(42); else rewriteByte(b);
  }
}

function writeText(textIndex: u32): void {
  const count = resolveSpans();
  if (count == 0) return;
  utf16Start(curText, curLen);
  let rewrites = false;
  for (let k = 0; k < count; k++) {
    const action = sAction.get(k);
    const s16 = utf16At(sStart.get(k));
    writeSpan(textIndex, s16, utf16At(sEnd.get(k)), changetype<string>(<usize>sName.get(k)), <u32>action, scoreAt(k));
    if (action != Action.REPORT) rewrites = true;
  }
  if (!rewrites) return;
  rewrite.len = 0;
  let cursor = 0;
  for (let k = 0; k < count; k++) {
    const start = sStart.get(k), end = sEnd.get(k), action = sAction.get(k);
    rewriteCopy(cursor, start);
    cursor = end;
    if (action == Action.REPORT) rewriteCopy(start, end);
    else if (action == Action.MASK) mask(start, end);
    else if (action == Action.PLACEHOLDER) placeholder(start, end, sLabel.get(k));
    else { // redact, and block (the request is refused; the value still never leaves)
      const name = sName.get(k);
      if (action == Action.BLOCK) {
        let seen = false;
        for (let b = 0; b < blockedNames.count; b++) if (blockedNames.get(b) == name) seen = true;
        if (!seen) blockedNames.push(name);
      }
      rewriteByte(91); rewriteAscii(changetype<string>(<usize>name)); rewriteByte(93);
    }
  }
  rewriteCopy(cursor, curLen);
  const len = <i32>rewrite.len;
  writeTag(PiiScanOutput.rewrites, WIRE_LEN); writeVarint(<u32>(1 + varintSize(textIndex) + 1 + varintSize(len) + len));
  writeTag(PiiRewrite.text_index, WIRE_VARINT); writeVarint(textIndex);
  writeTag(PiiRewrite.text, WIRE_LEN); writeVarint(len); writeBytes(rewrite.ptr, len);
}

/** Scans the PiiScanInput in the input buffer with `recognize` (called once per text with the
 *  text's UTF-8 bytes); the PiiScanOutput is left in `output`. OK or an error code. */
export function scanInput(recognize: (text: usize, len: i32) => void, len: i32): i32 {
  output.len = 0; placeholders.count = 0; counters.count = 0; blockedNames.count = 0;
  const code = parseInput(input.ptr, len);
  if (code != OK) return fail(code, standardMessage("pii", "PiiScanInput", code));
  writeTag(PiiScanOutput.abi_version, WIRE_VARINT); writeVarint(ABI_VERSION);
  const texts = textOffsets.count >> 1;
  for (let t = 0; t < texts; t++) {
    curText = input.ptr + <usize>textOffsets.get(t << 1);
    curLen = textOffsets.get((t << 1) + 1);
    sStart.count = 0; sEnd.count = 0; sName.count = 0; sLabel.count = 0; sAction.count = 0; scores.len = 0;
    const hook = builtins;
    if (hook) hook(BUILTIN_TEXT, curText, curLen, 0, -1, reportBuiltin);
    recognize(curText, curLen);
    writeText(<u32>t);
  }
  for (let b = 0; b < blockedNames.count; b++) {
    const name = changetype<string>(<usize>blockedNames.get(b));
    writeTag(PiiScanOutput.blocked_entity_types, WIRE_LEN); writeVarint(<u32>name.length); writeAscii(name);
  }
  return OK;
}

/** The whole `scan` export, I/O chosen at build (io.ts): `export function scan(): i32 { return runScanWith(recognize); }` */
export function runScanWith(recognize: (text: usize, len: i32) => void): i32 {
  const code = scanInput(recognize, readInput());
  if (code != OK) return code;
  writeOutput(output.ptr, output.len);
  return OK;
}
