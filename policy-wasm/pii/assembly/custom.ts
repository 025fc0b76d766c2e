// Custom recognizers (`policies.pii.custom`): entity types the host defines at init, each with a
// pattern and / or a deny list compiled by the host into programs for the regex VM
// (regex-vm.ts). `init` (PiiInitInput, policy.proto) registers them as entity types after the
// built-in ones, so rules, actions, min_score, context words, overlaps and placeholders treat
// them like any type; detect() then runs each enabled one over the text (detectCustom).
import { IntList } from "../../sdk/buffers";
import { startReading, readVarint, readFloat, skip, pos, bad, WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32 } from "../../sdk/wire";
import { addCandidate } from "./candidates";
import { withContext } from "./contexts";
import { enabled, defineCustomType, MIN_SCORE, BASE_SCORE } from "./entities";
import { RegexProgram, loadProgram, ensureCapacity, findMatch, matchStart, matchEnd } from "./regex-vm";
import { T, N } from "./text";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION, ERR_INIT_AGAIN, ERR_BAD_INIT } from "./errors";

// PiiInitInput / PiiCustomRecognizer field numbers (policy.proto).
const INIT_ABI_VERSION: u32 = 1;
const INIT_RECOGNIZERS: u32 = 2;
const REC_ENTITY_TYPE: u32 = 1;
const REC_PATTERN_PROGRAM: u32 = 2;
const REC_CONTEXT: u32 = 3;
const REC_SCORE: u32 = 4;
const REC_MIN_SCORE: u32 = 5;
const REC_DENY_LIST_PROGRAM: u32 = 6;
const REC_PATTERN_LITERAL: u32 = 7;
/** Score of a deny-list match (Presidio's deny-list recognizer: 1.0). */
const DENY_LIST_SCORE: i32 = 1000;

/** One registered recognizer: its entity id and its programs (null: none). */
class CustomRecognizer {
  constructor(
    readonly type: i32,
    readonly pattern: RegexProgram | null,
    readonly denyList: RegexProgram | null,
    /** Bytes every pattern match contains, 2 per position (either matches); empty: none. */
    readonly literal: StaticArray<u8>,
  ) {}
}
const recognizers = new Array<CustomRecognizer>();
let initialised = false;

/** Bytes p[0..len) as a string of one char per byte (names and context words are compared
 *  byte by byte with the text: contexts.ts, entityByName). */
function byteString(p: usize, len: i32): string {
  let s = "";
  for (let k = 0; k < len; k++) s += String.fromCharCode(<i32>load<u8>(p + <usize>k));
  return s;
}

function parseRecognizer(base: usize, at: i32, end: i32): i32 {
  startReading(at);
  let name = "", context = "", score: i32 = 1000, minScore: i32 = 0;
  let pattern: RegexProgram | null = null, denyList: RegexProgram | null = null;
  let literal = new StaticArray<u8>(0);
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return ERR_BAD_INIT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_I32) {
      const v = readFloat(base, end);
      const thousandths = <i32>Math.round(<f64>v * 1000);
      if (!(v >= 0 && v <= 1)) return ERR_BAD_INIT;
      if (field == REC_SCORE) score = thousandths;
      else if (field == REC_MIN_SCORE) minScore = thousandths;
    } else if (wt == WIRE_LEN) {
      const len = <i32>readVarint(base, end);
      if (bad || len < 0 || pos + len > end) return ERR_BAD_INIT;
      const p = base + <usize>pos;
      if (field == REC_ENTITY_TYPE) name = byteString(p, len);
      else if (field == REC_CONTEXT) context = byteString(p, len);
      else if (field == REC_PATTERN_PROGRAM && len > 0) { pattern = loadProgram(p, len); if (!pattern) return ERR_BAD_INIT; }
      else if (field == REC_DENY_LIST_PROGRAM && len > 0) { denyList = loadProgram(p, len); if (!denyList) return ERR_BAD_INIT; }
      else if (field == REC_PATTERN_LITERAL) {
        if ((len & 1) != 0) return ERR_BAD_INIT;
        literal = new StaticArray<u8>(len);
        memory.copy(changetype<usize>(literal), p, <usize>len);
      }
      skip(len);
    } else if (wt == WIRE_VARINT) readVarint(base, end);
    else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INIT;
    if (bad || pos > end) return ERR_BAD_INIT;
  }
  if (name.length == 0 || (pattern == null && denyList == null)) return ERR_BAD_INIT;
  const type = defineCustomType(name, score, minScore, context);
  if (type < 0) return ERR_BAD_INIT;
  if (pattern) ensureCapacity(pattern.length);
  if (denyList) ensureCapacity(denyList.length);
  recognizers.push(new CustomRecognizer(type, pattern, denyList, literal));
  return OK;
}

/** The `init` call: PiiInitInput at base[0..len). Once per instance (the host makes a new one
 *  for other recognizers). */
export function runInit(base: usize, len: i32): i32 {
  if (initialised) return ERR_INIT_AGAIN;
  initialised = true;
  const offsets = new IntList();
  let abi: u32 = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_VARINT) {
      const v = readVarint(base, len);
      if (field == INIT_ABI_VERSION) abi = v;
    } else if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      if (field == INIT_RECOGNIZERS) { offsets.push(pos); offsets.push(n); }
      skip(n);
    } else if (wt == WIRE_I32) skip(4);
    else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  if (abi != 0 && abi != 1) return ERR_ABI_VERSION;
  for (let r = 0; r < offsets.count; r += 2) {
    const at = offsets.get(r);
    const code = parseRecognizer(base, at, at + offsets.get(r + 1));
    if (code != OK) return code;
  }
  return OK;
}

/** Whether byte i of the text is inside a UTF-8 character (a continuation byte): a match may
 *  not start or end there (`.` and negated classes match single bytes). */
@inline function splitsCharacter(i: i32): bool {
  return i < N && (<i32>load<u8>(T + <usize>i) & 0xc0) == 0x80;
}

/** Every match of `prog` in the text, as candidates of `type` scored `score` (then context, then
 *  the type's minimum, as detect.ts `accept`). */
function scanProgram(prog: RegexProgram, type: i32, score: i32): void {
  const min = unchecked(MIN_SCORE[type]);
  let from = 0;
  while (from < N && findMatch(prog, from)) {
    const start = matchStart, end = matchEnd;
    from = end > start ? end : start + 1;
    if (splitsCharacter(start) || splitsCharacter(end)) continue;
    let s = score;
    if (s < min) s = withContext(type, start, end, s);
    if (s >= min) addCandidate(start, end, type, s);
  }
}

/** Whether the text contains the literal (2 bytes per position: either one matches). The first
 *  position is looked for 16 bytes at a time. A wrong literal from the host can only make a
 *  pattern miss, never read outside the text. */
function textContains(literal: StaticArray<u8>): bool {
  const len = literal.length >> 1;
  if (len == 0) return true;
  const a = <i32>unchecked(literal[0]), b = <i32>unchecked(literal[1]);
  const va = i8x16.splat(<i8>a), vb = i8x16.splat(<i8>b);
  const last = N - len;
  let p = 0;
  while (p <= last) {
    let bits: i32 = 0xffff;
    if (p + 16 <= N) {
      const x = v128.load(T + <usize>p);
      bits = i8x16.bitmask(v128.or(i8x16.eq(x, va), i8x16.eq(x, vb)));
      if (bits == 0) { p += 16; continue; }
    }
    while (bits != 0) {
      const q = p + <i32>ctz(bits);
      bits &= bits - 1;
      if (q > last) return false;
      let k = 0;
      for (; k < len; k++) {
        const c = <i32>load<u8>(T + <usize>(q + k));
        if (c != <i32>unchecked(literal[k << 1]) && c != <i32>unchecked(literal[(k << 1) + 1])) break;
      }
      if (k == len) return true;
    }
    p += 16;
  }
  return false;
}

/** The detection hook (detect.ts): each enabled custom type's programs over the current text. */
export function detectCustom(): void {
  for (let r = 0, n = recognizers.length; r < n; r++) {
    const rec = unchecked(recognizers[r]);
    if (!enabled(rec.type)) continue;
    const pattern = rec.pattern, denyList = rec.denyList;
    if (pattern && textContains(rec.literal)) scanProgram(pattern, rec.type, unchecked(BASE_SCORE[rec.type]));
    if (denyList) scanProgram(denyList, rec.type, DENY_LIST_SCORE);
  }
}
