// The prefix -> rule groups table the rules read words through (families.ts fills it at start-up
// with add / addNative; readWords in rules.ts looks each word's five-letter prefix up in it).
import { norm, normLen, isWordByte, normalize } from "./normalize";

const TABLE_SIZE: i32 = 1024; // power of two, well above the number of distinct prefixes
const tableKeys = new StaticArray<u32>(TABLE_SIZE);
const tableGroups = new StaticArray<u64>(TABLE_SIZE);

@inline function slotOf(h: u32): i32 { return <i32>((h * 0x9e3779b1) >>> 22) & (TABLE_SIZE - 1); }

export function tableGet(h: u32): u64 {
  let s = slotOf(h);
  while (true) {
    const k = unchecked(tableKeys[s]);
    if (k == h) return unchecked(tableGroups[s]);
    if (k == 0) return 0;
    s = (s + 1) & (TABLE_SIZE - 1);
  }
}

function tablePut(h: u32, groups: u64): void {
  let s = slotOf(h);
  while (true) {
    const k = unchecked(tableKeys[s]);
    if (k == h || k == 0) {
      unchecked(tableKeys[s] = h);
      unchecked(tableGroups[s] |= groups);
      return;
    }
    s = (s + 1) & (TABLE_SIZE - 1);
  }
}

export const FNV_OFFSET: u32 = 0x811c9dc5;
export const FNV_PRIME: u32 = 0x01000193;
/** Hash of a word's first five bytes (never 0: 0 marks an empty table slot). */
@inline export function finishPrefix(h: u32): u32 { return h == 0 ? 1 : h; }

// Which first two bytes the table's prefixes start with (bit b0 << 8 | b1; b1 = 0 for a one-byte
// word): readWords looks a word's ROT13 prefix up only when its rotated first two bytes are
// here. The ROT13 of most words starts like no table word: no rotated hash, no probe.
const firstTwo = new StaticArray<u32>(2048);
@inline function markFirstTwo(b0: i32, b1: i32): void {
  const key = (b0 << 8) | b1;
  unchecked(firstTwo[key >>> 5] |= <u32>1 << <u32>(key & 31));
}
@inline export function hasFirstTwo(key: i32): bool {
  return (unchecked(firstTwo[key >>> 5]) & (<u32>1 << <u32>(key & 31))) != 0;
}
/** ROT13 of a normalised byte (letters a-z only). */
@inline export function rot13Byte(c: i32): i32 { return <u32>(c - 97) < 26 ? (c < 110 ? c + 13 : c - 13) : c; }

export function add(group: u64, words: string): void {
  let h = FNV_OFFSET, n = 0, b0 = 0, b1 = 0;
  for (let i = 0; i <= words.length; i++) {
    const c = i < words.length ? words.charCodeAt(i) : 32;
    if (c == 32) {
      if (n > 0) { tablePut(finishPrefix(h), group); markFirstTwo(b0, b1); }
      h = FNV_OFFSET; n = 0; b0 = 0; b1 = 0;
      continue;
    }
    if (c == 39) continue; // can't -> cant
    if (n == 0) b0 = c; else if (n == 1) b1 = c;
    if (n < 5) h = (h ^ <u32>c) * FNV_PRIME;
    n++;
  }
}
/** add() for words outside ASCII: hashed as the normaliser writes them (class bytes, confusables
 *  mapped), the form readWords sees. Runs once at start-up (it uses the window buffer). */
export function addNative(group: u64, words: string): void {
  const bytes = String.UTF8.encode(words);
  normalize(changetype<usize>(bytes), bytes.byteLength);
  const p = changetype<usize>(norm);
  let h = FNV_OFFSET, n = 0, b0 = 0, b1 = 0;
  for (let i = 0; i <= normLen; i++) {
    const c = i < normLen ? <i32>load<u8>(p + <usize>i) : 32;
    if (!isWordByte(c)) {
      if (n > 0) { tablePut(finishPrefix(h), group); markFirstTwo(b0, b1); }
      h = FNV_OFFSET; n = 0; b0 = 0; b1 = 0;
      continue;
    }
    if (n == 0) b0 = c; else if (n == 1) b1 = c;
    if (n < 5) h = (h ^ <u32>c) * FNV_PRIME;
    n++;
  }
}
