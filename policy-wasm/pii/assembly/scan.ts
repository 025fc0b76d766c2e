// The `scan` call: parse PiiScanInput, detect and resolve spans per text, apply each type's
// action, and write PiiScanOutput (field numbers: fields.ts).
import { ByteBuffer, IntList } from "../../sdk/buffers";
import { setText, T, N, isAlnum } from "./text";
import { clearCandidates, resolve, spanStart, spanEnd, spanType, spanScore } from "./candidates";
import { setContextWindow } from "./contexts";
import { detect } from "./detect";
import {
  ACTIONS, MIN_SCORE, DEFAULT_MIN_SCORE, NAMES, LABELS, ENTITY_COUNT, MAX_ENTITIES, entityByName, buildDisabledTypes,
  ACTION_REDACT, ACTION_MASK, ACTION_PLACEHOLDER, ACTION_BLOCK, ACTION_REPORT,
} from "./entities";
import {
  output, startReading, readVarint, readFloat, skip, pos, bad, varintSize, writeVarint, writeTag, writeBytes, writeAscii,
  WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32,
} from "../../sdk/wire";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION } from "../../sdk/errors";
import { ABI_VERSION } from "../../sdk/abi";
import { utf16Start, utf16At } from "../../sdk/text";
import { PiiPlaceholder, PiiRewrite, PiiRule, PiiScanInput, PiiScanOutput, PiiSpan } from "../../sdk/pii_fields";

const textOffsets = new IntList(); // pairs: offset, length
const rewrite = new ByteBuffer();
const blocked = new StaticArray<bool>(MAX_ENTITIES);
const counters = new StaticArray<i32>(MAX_ENTITIES);
const scoreBits = new StaticArray<f32>(1);
// placeholders of this call: type, offset of the original in the input, length, number
const placeholders = new IntList();
const ruleOffsets = new IntList(); // pairs: offset, length
// The rules of the last call whose rules parsed, and the actions they gave. A host sends the same
// rules with every call (the slot's configured rules, encoded once, after the texts), so when
// this call's rules are the same bytes the actions are copied instead of parsed again.
const lastRules = new ByteBuffer();
let lastRulesValid = false;
const lastActions = new StaticArray<i32>(MAX_ENTITIES);
const lastMinScores = new StaticArray<i32>(MAX_ENTITIES);
/** Words searched for context on each side of a weak match when the input names none. */
const DEFAULT_CONTEXT_WINDOW: i32 = 5;

function parseRule(base: usize, at: i32, end: i32): bool {
  startReading(at);
  let name = -1, nameLen = 0, action = 0, minScore = -1;
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return false;
    const wt = key & 7;
    if (wt == WIRE_I32) {
      const v = readFloat(base, end);
      if ((key >>> 3) == PiiRule.min_score && v >= 0) minScore = <i32>Math.round(<f64>v * 1000);
    } else if (wt == WIRE_VARINT) {
      const v = readVarint(base, end);
      if ((key >>> 3) == PiiRule.action) action = <i32>v;
    } else if (wt == WIRE_LEN) {
      const len = <i32>readVarint(base, end);
      if (bad || pos + len > end) return false;
      if ((key >>> 3) == PiiRule.entity_type) { name = pos; nameLen = len; }
      skip(len);
    } else return false;
    if (bad) return false;
  }
  if (name < 0 || action < 0 || action > ACTION_BLOCK) return true; // unknown action: ignored
  const id = entityByName(base + <usize>name, nameLen);
  if (id < 0 || (id < 32 && (buildDisabledTypes & (<u32>1 << <u32>id)) != 0)) return true;
  unchecked(ACTIONS[id] = action);
  if (minScore >= 0) unchecked(MIN_SCORE[id] = minScore);
  return true;
}

function parseInput(base: usize, len: i32): i32 {
  textOffsets.count = 0;
  ruleOffsets.count = 0;
  for (let k = 0; k < ENTITY_COUNT; k++) { unchecked(ACTIONS[k] = 0); unchecked(blocked[k] = false); unchecked(counters[k] = 0); }
  startReading(0);
  let abi: u32 = 0, window: i32 = DEFAULT_CONTEXT_WINDOW;
  // the rule fields, tags included, when they are one run of bytes (rulesContiguous)
  let rulesFrom = 0, rulesTo = 0, rulesContiguous = true;
  while (pos < len) {
    const keyAt = pos;
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_VARINT) {
      const v = readVarint(base, len);
      if (field == PiiScanInput.abi_version) abi = v;
      else if (field == PiiScanInput.context_window && v > 0) window = v > 64 ? 64 : <i32>v;
    } else if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      const at = pos;
      if (field == PiiScanInput.texts) { textOffsets.push(at); textOffsets.push(n); }
      else if (field == PiiScanInput.rules) {
        if (ruleOffsets.count == 0) rulesFrom = keyAt;
        else if (keyAt != rulesTo) rulesContiguous = false;
        rulesTo = at + n;
        ruleOffsets.push(at); ruleOffsets.push(n);
      }
      startReading(at + n);
    } else if (wt == WIRE_I32) skip(4);
    else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  const rulesLen = rulesTo - rulesFrom;
  if (rulesContiguous && lastRulesValid && <usize>rulesLen == lastRules.len &&
      memory.compare(base + <usize>rulesFrom, lastRules.ptr, <usize>rulesLen) == 0) {
    memory.copy(changetype<usize>(ACTIONS), changetype<usize>(lastActions), <usize>ENTITY_COUNT << 2);
    memory.copy(changetype<usize>(MIN_SCORE), changetype<usize>(lastMinScores), <usize>ENTITY_COUNT << 2);
  } else {
    lastRulesValid = false;
    memory.copy(changetype<usize>(MIN_SCORE), changetype<usize>(DEFAULT_MIN_SCORE), <usize>ENTITY_COUNT << 2);
    for (let r = 0; r < ruleOffsets.count; r += 2) {
      const at = ruleOffsets.get(r);
      if (!parseRule(base, at, at + ruleOffsets.get(r + 1))) return ERR_BAD_INPUT;
    }
    if (rulesContiguous) {
      lastRules.len = 0;
      lastRules.ensure(<usize>rulesLen);
      memory.copy(lastRules.ptr, base + <usize>rulesFrom, <usize>rulesLen);
      lastRules.len = <usize>rulesLen;
      memory.copy(changetype<usize>(lastActions), changetype<usize>(ACTIONS), <usize>ENTITY_COUNT << 2);
      memory.copy(changetype<usize>(lastMinScores), changetype<usize>(MIN_SCORE), <usize>ENTITY_COUNT << 2);
      lastRulesValid = true;
    }
  }
  setContextWindow(window);
  if (abi != 0 && abi != ABI_VERSION) return ERR_ABI_VERSION;
  return OK;
}

function writeSpan(textIndex: u32, start: u32, end: u32, type: i32, action: u32, score: i32): void {
  const name = unchecked(NAMES[type]);
  const nameLen = <u32>name.length;
  const size = 1 + varintSize(textIndex) + 1 + varintSize(start) + 1 + varintSize(end) +
    1 + varintSize(nameLen) + <i32>nameLen + 1 + varintSize(action) + 5;
  writeTag(PiiScanOutput.spans, WIRE_LEN); writeVarint(<u32>size);
  writeTag(PiiSpan.text_index, WIRE_VARINT); writeVarint(textIndex);
  writeTag(PiiSpan.start, WIRE_VARINT); writeVarint(start);
  writeTag(PiiSpan.end, WIRE_VARINT); writeVarint(end);
  writeTag(PiiSpan.entity_type, WIRE_LEN); writeVarint(nameLen); writeAscii(name);
  writeTag(PiiSpan.action, WIRE_VARINT); writeVarint(action);
  unchecked(scoreBits[0] = <f32>score / 1000);
  writeTag(PiiSpan.score, WIRE_I32); writeBytes(changetype<usize>(scoreBits), 4);
}

@inline function rewriteByte(b: i32): void {
  rewrite.ensure(1);
  store<u8>(rewrite.ptr + rewrite.len++, <u8>b);
}
function rewriteAscii(s: string): void { for (let k = 0; k < s.length; k++) rewriteByte(s.charCodeAt(k)); }
function rewriteNumber(n: i32): void {
  if (n >= 10) rewriteNumber(n / 10);
  rewriteByte(48 + n % 10);
}
function rewriteCopy(from: i32, to: i32): void {
  const n = <usize>(to - from);
  rewrite.ensure(n);
  memory.copy(rewrite.ptr + rewrite.len, T + <usize>from, n);
  rewrite.len += n;
}

/** Writes `<LABEL_n>` into the rewrite; a value seen before in this call keeps its number. */
function placeholder(base: usize, start: i32, end: i32, type: i32): void {
  const origin = <i32>(T - base) + start, len = end - start;
  let number = 0;
  for (let k = 0; k < placeholders.count; k += 4) {
    if (placeholders.get(k) == type && placeholders.get(k + 2) == len &&
        memory.compare(base + <usize>placeholders.get(k + 1), T + <usize>start, <usize>len) == 0) {
      number = placeholders.get(k + 3);
      break;
    }
  }
  const label = unchecked(LABELS[type]);
  const fresh = number == 0;
  if (fresh) {
    number = unchecked(counters[type]) + 1;
    unchecked(counters[type] = number);
    placeholders.push(type); placeholders.push(origin); placeholders.push(len); placeholders.push(number);
  }
  const mark = rewrite.len;
  rewriteByte(60); rewriteAscii(label); rewriteByte(95); rewriteNumber(number); rewriteByte(62);
  if (!fresh) return;
  const phLen = <i32>(rewrite.len - mark);
  writeTag(PiiScanOutput.placeholders, WIRE_LEN); writeVarint(<u32>(1 + varintSize(phLen) + phLen + 1 + varintSize(len) + len));
  writeTag(PiiPlaceholder.placeholder, WIRE_LEN); writeVarint(phLen); writeBytes(rewrite.ptr + mark, phLen);
  writeTag(PiiPlaceholder.original, WIRE_LEN); writeVarint(len); writeBytes(T + <usize>start, len);
}

function mask(start: i32, end: i32): void {
  let alnum = 0;
  for (let p = start; p < end; p++) if (isAlnum(<i32>load<u8>(T + <usize>p))) alnum++;
  let seen = 0;
  for (let p = start; p < end; p++) {
    const b = <i32>load<u8>(T + <usize>p);
    if (isAlnum(b) && ++seen <= alnum - 4) rewriteByte(42); else rewriteByte(b);
  }
}

function scanText(base: usize, textIndex: u32): void {
  clearCandidates();
  detect();
  const count = resolve();
  if (count == 0) return;
  utf16Start(T, N);
  let rewrites = false;
  for (let k = 0; k < count; k++) {
    const type = spanType(k), action = unchecked(ACTIONS[type]);
    const s16 = utf16At(spanStart(k));
    writeSpan(textIndex, s16, utf16At(spanEnd(k)), type, action, spanScore(k));
    if (action != ACTION_REPORT) rewrites = true;
  }
  if (!rewrites) return;
  rewrite.len = 0;
  let cursor = 0;
  for (let k = 0; k < count; k++) {
    const start = spanStart(k), end = spanEnd(k), type = spanType(k), action = unchecked(ACTIONS[type]);
    rewriteCopy(cursor, start);
    cursor = end;
    if (action == ACTION_REPORT) rewriteCopy(start, end);
    else if (action == ACTION_MASK) mask(start, end);
    else if (action == ACTION_PLACEHOLDER) placeholder(base, start, end, type);
    else { // redact, and block (the request is refused; the value still never leaves)
      if (action == ACTION_BLOCK) unchecked(blocked[type] = true);
      rewriteByte(91); rewriteAscii(unchecked(NAMES[type])); rewriteByte(93);
    }
  }
  rewriteCopy(cursor, N);
  const len = <i32>rewrite.len;
  writeTag(PiiScanOutput.rewrites, WIRE_LEN); writeVarint(<u32>(1 + varintSize(textIndex) + 1 + varintSize(len) + len));
  writeTag(PiiRewrite.text_index, WIRE_VARINT); writeVarint(textIndex);
  writeTag(PiiRewrite.text, WIRE_LEN); writeVarint(len); writeBytes(rewrite.ptr, len);
}

/** Scans the PiiScanInput at base[0..len); the PiiScanOutput is left in `output`. */
export function runScan(base: usize, len: i32): i32 {
  output.len = 0;
  placeholders.count = 0;
  const code = parseInput(base, len);
  if (code != OK) return code;
  writeTag(PiiScanOutput.abi_version, WIRE_VARINT); writeVarint(ABI_VERSION);
  const texts = textOffsets.count >> 1;
  for (let t = 0; t < texts; t++) {
    setText(base + <usize>textOffsets.get(t << 1), textOffsets.get((t << 1) + 1));
    scanText(base, <u32>t);
  }
  for (let k = 0; k < ENTITY_COUNT; k++) {
    if (!unchecked(blocked[k])) continue;
    const name = unchecked(NAMES[k]);
    writeTag(PiiScanOutput.blocked_entity_types, WIRE_LEN); writeVarint(<u32>name.length); writeAscii(name);
  }
  return OK;
}
