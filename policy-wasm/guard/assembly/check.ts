// The `check` call: parse GuardCheckInput, score every text part (window by window, each window
// in up to five views: as written, ROT13, its decoded base64/hex runs, read backwards, and
// decoded from Morse code; a part's score is the highest), and write GuardCheckOutput (field
// numbers: fields.ts).
import { IntList } from "../../sdk/buffers";
import {
  output, startReading, readVarint, readFloat, skip, pos, bad, varintSize, writeVarint, writeTag, writeAscii,
  WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32,
} from "../../sdk/wire";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION } from "./errors";
import { GuardCheckInput, GuardCheckOutput, GuardPartResult } from "../../sdk/guard_fields";
import { normalize, rot13InPlace, reverseInPlace, WINDOW, zeroWidth, mixedScript, morseMarks } from "./normalize";
import { readWords, matchRules, matchRulesRot13, hintsBackwards, longestRun } from "./rules";
import {
  RULE_NAMES, RULE_FAMILY, RULE_COUNT, RULE_ZERO_WIDTH, RULE_MIXED_SCRIPT, RULE_BASE64, RULE_HEX, RULE_ROT13, RULE_REPEATED_TOKEN,
  RULE_CIPHER, REPEATED_RUN,
} from "./families";
import { windowLogit, lastNgramLogit, sigmoid, collected, collecting, subCollected } from "./model";
import { decodeRuns, decodeMorse, decoded, decodedLen, foundBase64, foundHex, MORSE_MIN_MARKS } from "./decode";
import { RULE_WEIGHTS } from "./weights";

import { ABI_VERSION } from "../../sdk/abi";
const VERDICT_ALLOW: u32 = 1, VERDICT_BLOCK: u32 = 3;
const DEFAULT_THRESHOLD: f32 = 0.5;
const LABELS: StaticArray<string> = ["injection", "jailbreak", "prompt_leak"];
/** Reason bit for "the n-gram model itself leaned towards an attack". */
const MODEL_BIT: u32 = 1 << 31;

const textOffsets = new IntList(); // pairs: offset, length
let threshold: f32 = DEFAULT_THRESHOLD;

/** Results of scoreText: the part's highest logit and the reasons (rule bits, MODEL_BIT). */
export let partLogit: f64 = 0;
export let partReasons: u32 = 0;

// raw_features (training) layout per view: view id, rule bits, bucket count, then the buckets
// windowLogit appends; the count is filled in once they are known.
// The sub-windows of a long window (model.ts) follow as views 3, rule bits 0; the reversed view
// is 4, the Morse view 5.
function scoreView(view: u32, bits: u32): f64 {
  if (!collecting) return windowLogit(bits);
  const header = collected.len;
  collected.ensure(12);
  store<u32>(collected.ptr + header, view);
  store<u32>(collected.ptr + header + 4, bits);
  collected.len += 12;
  subCollected.len = 0;
  const logit = windowLogit(bits);
  store<u32>(collected.ptr + header + 8, <u32>((collected.len - header - 12) >> 2));
  collected.ensure(subCollected.len);
  memory.copy(collected.ptr + collected.len, subCollected.ptr, subCollected.len);
  collected.len += subCollected.len;
  return logit;
}

// The window being scored (scoreWindow): its best logit over the views so far, and their reasons.
let windowBest: f64 = 0;
let windowReasons: u32 = 0;

/** Scores a decoded view (ROT13, reversed, decoded runs, Morse) with its rule bits `all` and folds
 *  it into the window's best logit and reasons; `modelReason`: the n-grams of this view can give
 *  the `model` reason, as those of the window as written do. */
function foldView(view: u32, all: u32, modelReason: bool): void {
  const logit = scoreView(view, all);
  windowReasons |= all;
  if (modelReason && lastNgramLogit > 0 && logit >= windowBest) windowReasons |= MODEL_BIT;
  if (logit > windowBest) windowBest = logit;
}

/** Scores one window src[0..len) (len <= WINDOW); updates partLogit and partReasons. */
function scoreWindow(src: usize, len: i32): void {
  normalize(src, len);
  const marks = morseMarks;
  const present = readWords();
  let bits = matchRules(present);
  if (zeroWidth > 0) bits |= <u32>1 << <u32>RULE_ZERO_WIDTH;
  if (mixedScript > 0) bits |= <u32>1 << <u32>RULE_MIXED_SCRIPT;
  if (longestRun >= REPEATED_RUN) bits |= <u32>1 << <u32>RULE_REPEATED_TOKEN;
  windowBest = scoreView(0, bits);
  windowReasons = bits;
  if (lastNgramLogit > 0) windowReasons |= MODEL_BIT;
  // ROT13: only when a rule fires on the rotated words (ordinary text rotated is noise); readWords
  // matched the rotated word prefixes already, so the rotated view is built only then
  const rotBits = matchRulesRot13();
  if (rotBits != 0) {
    rot13InPlace();
    readWords();
    foldView(1, rotBits | (<u32>1 << <u32>RULE_ROT13), false);
  }
  // read backwards ("tpmorp metsys ruoy laever"): only when a word says so ("backwards") or is
  // a common word reversed ("eht", "ruoy"), and then scored only when a rule fires on the
  // reversed words; other windows pay one group test
  if (hintsBackwards(present)) {
    if (rotBits != 0) rot13InPlace(); // the window as written again
    reverseInPlace();
    const revBits = matchRules(readWords());
    if (revBits != 0) foldView(4, revBits | (<u32>1 << <u32>RULE_CIPHER), false);
  }
  // decoded runs: like ROT13, only when a rule fires on them (config values, keys and data URLs
  // that happen to decode to text are not prompts)
  decodeRuns(src, len);
  if (decodedLen > 0) {
    normalize(changetype<usize>(decoded), decodedLen);
    let decBits = matchRules(readWords());
    if (decBits != 0) {
      if (foundBase64) decBits |= <u32>1 << <u32>RULE_BASE64;
      if (foundHex) decBits |= <u32>1 << <u32>RULE_HEX;
      foldView(2, decBits, true);
    }
  }
  // Morse code: when dots and dashes are a quarter of the window or more, and only when a rule
  // fires on the decoded letters
  if (marks >= MORSE_MIN_MARKS && marks * 4 >= len && decodeMorse(src, len)) {
    normalize(changetype<usize>(decoded), decodedLen);
    const morseBits = matchRules(readWords());
    if (morseBits != 0) foldView(5, morseBits | (<u32>1 << <u32>RULE_CIPHER), true);
  }
  if (windowBest > partLogit) partLogit = windowBest;
  partReasons |= windowReasons;
}

/** Scores a whole text part, WINDOW bytes at a time (cut on UTF-8 boundaries). */
export function scoreText(src: usize, len: i32): void {
  partLogit = -1e9;
  partReasons = 0;
  let at = 0;
  while (at < len || (at == 0 && len == 0)) {
    let end = at + WINDOW;
    if (end >= len) end = len;
    else while (end > at + 1 && (<i32>load<u8>(src + <usize>end) & 0xc0) == 0x80) end--;
    scoreWindow(src + <usize>at, end - at);
    if (len == 0) break;
    at = end;
  }
}

function parseInput(base: usize, len: i32): i32 {
  textOffsets.count = 0;
  threshold = DEFAULT_THRESHOLD;
  startReading(0);
  let abi: u32 = 0;
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_VARINT) {
      const v = readVarint(base, len);
      if (field == GuardCheckInput.abi_version) abi = v;
    } else if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      const at = pos;
      if (field == GuardCheckInput.texts) { textOffsets.push(at); textOffsets.push(n); }
      startReading(at + n);
    } else if (wt == WIRE_I32) {
      const v = readFloat(base, len);
      if (field == GuardCheckInput.threshold && v > 0 && v <= 1) threshold = v;
    } else if (wt == WIRE_I64) skip(8);
    else return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  if (abi != 0 && abi != ABI_VERSION) return ERR_ABI_VERSION;
  return OK;
}

function writeFloat(v: f32): void {
  output.ensure(4);
  store<f32>(output.ptr + output.len, v);
  output.len += 4;
}

/** The family of the heaviest fired rule, or "injection" (the model alone). */
function labelOf(reasons: u32): string {
  let family = 0;
  let weight: f32 = -1e9;
  for (let r = 0; r < RULE_COUNT; r++) {
    if ((reasons & (<u32>1 << <u32>r)) == 0) continue;
    const w = r < RULE_WEIGHTS.length ? unchecked(RULE_WEIGHTS[r]) : 0; // decoded_cipher has no weight
    if (w > weight) { weight = w; family = <i32>unchecked(RULE_FAMILY[r]); }
  }
  return unchecked(LABELS[family]);
}

function reasonsSize(reasons: u32, field: u32): i32 {
  let size = 0;
  for (let r = 0; r < RULE_COUNT; r++) if ((reasons & (<u32>1 << <u32>r)) != 0) size += 2 + unchecked(RULE_NAMES[r]).length;
  if ((reasons & MODEL_BIT) != 0) size += 2 + 5;
  return size;
}

function writeReasons(reasons: u32, field: u32): void {
  for (let r = 0; r < RULE_COUNT; r++) {
    if ((reasons & (<u32>1 << <u32>r)) == 0) continue;
    const name = unchecked(RULE_NAMES[r]);
    writeTag(field, WIRE_LEN); writeVarint(<u32>name.length); writeAscii(name);
  }
  if ((reasons & MODEL_BIT) != 0) { writeTag(field, WIRE_LEN); writeVarint(5); writeAscii("model"); }
}

/** Checks the GuardCheckInput at base[0..len); the GuardCheckOutput is left in `output`. */
export function runCheck(base: usize, len: i32): i32 {
  output.len = 0;
  const code = parseInput(base, len);
  if (code != OK) return code;
  writeTag(GuardCheckOutput.abi_version, WIRE_VARINT); writeVarint(ABI_VERSION);
  const texts = textOffsets.count >> 1;
  let top: f32 = 0;
  let topReasons: u32 = 0;
  for (let t = 0; t < texts; t++) {
    scoreText(base + <usize>textOffsets.get(t << 1), textOffsets.get((t << 1) + 1));
    const score = <f32>sigmoid(partLogit);
    const flagged = score >= threshold;
    // reasons of a part under the threshold are the rules alone (a weak hit is still worth a log)
    const reasons = flagged ? partReasons : partReasons & ~MODEL_BIT;
    const label = flagged ? labelOf(reasons) : "benign";
    const size = 1 + varintSize(<u32>t) + 5 + 2 + label.length + reasonsSize(reasons, GuardPartResult.reasons);
    writeTag(GuardCheckOutput.parts, WIRE_LEN); writeVarint(<u32>size);
    writeTag(GuardPartResult.text_index, WIRE_VARINT); writeVarint(<u32>t);
    writeTag(GuardPartResult.score, WIRE_I32); writeFloat(score);
    writeTag(GuardPartResult.label, WIRE_LEN); writeVarint(<u32>label.length); writeAscii(label);
    writeReasons(reasons, GuardPartResult.reasons);
    if (score > top) top = score;
    if (flagged) topReasons |= reasons;
  }
  writeTag(GuardCheckOutput.verdict, WIRE_VARINT); writeVarint(top >= threshold && texts > 0 ? VERDICT_BLOCK : VERDICT_ALLOW);
  writeTag(GuardCheckOutput.score, WIRE_I32); writeFloat(top);
  writeReasons(topReasons, GuardCheckOutput.reasons);
  return OK;
}
