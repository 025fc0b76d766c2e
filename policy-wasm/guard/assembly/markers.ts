// Forged conversation structure (session 13): chat-template tokens and role labels written into a
// user text, a document or a tool result so that the model reads what follows as a new turn with
// the operator's authority (a forged system prompt; cf. the "fake completion" and "combined"
// attacks of Liu et al. 2024, "Formalizing and Benchmarking Prompt Injection Attacks and
// Defenses"). The normaliser maps their punctuation to class bytes, so neither the word rules nor
// the n-grams see them: they are read here, on the window as written, before normalisation
// (ASCII letters case-folded). The `forged_turn` rule (a feature of the model like the word rules,
// not a verdict) fires on a marker that opens a **system** turn:
//   `<|im_start|>system` (ChatML), `<|start_header_id|>system` (Llama 3), `<|system|>` (Phi and
//   others), `<<SYS>>` (Llama 2, Mistral), `<start_of_turn>system`;
//   at the start of a line (after spaces, tabs, `>`, `*`, `#`): `System:` (a colon, `*` allowed
//   before it for `**System:**`) and the Alpaca header `## System` / `### System` (two to four
//   `#`; a colon or the end of the line).
// Dev cross-validation (bench/RESULTS.md, "Session 13: forged turns"): firing on every turn
// marker as well (`<|im_end|>`, `<|endoftext|>`, `[INST]`, `</s>`, `<end_of_turn>`, `User:`,
// `Assistant:`, `Human:`, `AI:`, `### Instruction:` / `### Response:`) fired on 56 of the 68 hard
// negatives written for it (developers' template questions, chat logs pasted for summarising,
// screenplays) as often as on the attacks, and the rule's weight, held near its prior, then cost
// the older rows 1.6 points of TPR @ 2 % FPR; the system-turn markers fire on 34 of 58 attacks
// and 10 of 68 hard negatives.
// One pass over the window, eight bytes at a time; only `<` and line starts look further.

/** Whether src[at..len) starts with `word` (lower-case ASCII), letters compared case-folded. */
@inline function startsWith(src: usize, len: i32, at: i32, word: string): bool {
  const n = word.length;
  if (at + n > len) return false;
  for (let k = 0; k < n; k++) {
    let c = <i32>load<u8>(src + <usize>(at + k));
    if (c >= 65 && c <= 90) c |= 32;
    if (c != word.charCodeAt(k)) return false;
  }
  return true;
}

/** A system-turn template token at src[at] == '<'. */
function tokenAt(src: usize, len: i32, at: i32): bool {
  if (at + 1 >= len) return false;
  const d = <i32>load<u8>(src + <usize>(at + 1));
  if (d == 124) { // <|name|>: 2..40 letters, digits and _
    let q = at + 2;
    const end = min(len, at + 2 + 41);
    while (q < end) {
      let e = <i32>load<u8>(src + <usize>q);
      if (e >= 65 && e <= 90) e |= 32;
      if (!((e >= 97 && e <= 122) || (e >= 48 && e <= 57) || e == 95)) break;
      q++;
    }
    const n = q - at - 2;
    if (!(n >= 2 && n <= 40 && q + 1 < len && load<u8>(src + <usize>q) == 124 && load<u8>(src + <usize>(q + 1)) == 62)) return false;
    if (startsWith(src, len, at, "<|system|>")) return true;
    return (startsWith(src, len, at, "<|im_start|>") || startsWith(src, len, at, "<|start_header_id|>")) && systemAfter(src, len, q + 2);
  }
  if (d == 60) return startsWith(src, len, at, "<<sys>>");
  if (d == 115 || d == 83) return startsWith(src, len, at, "<start_of_turn>") && systemAfter(src, len, at + 15);
  return false;
}

/** `system` at src[at] (after spaces). */
function systemAfter(src: usize, len: i32, at: i32): bool {
  while (at < len && load<u8>(src + <usize>at) == 32) at++;
  return startsWith(src, len, at, "system");
}

const ROLES: StaticArray<string> = ["system"];
const HEADERS: StaticArray<string> = ["system"]; // after two to four `#`

/** `System:` or an Alpaca `### System` header at the line starting at src[at]. */
function labelAt(src: usize, len: i32, at: i32): bool {
  let q = at, hashes = 0;
  while (q < len) {
    const c = <i32>load<u8>(src + <usize>q);
    if (c == 35) hashes++;
    else if (c != 32 && c != 9 && c != 62 && c != 42) break;
    q++;
  }
  if (q >= len) return false;
  const first = <i32>load<u8>(src + <usize>q) | 32;
  if (first < 97 || first > 122) return false;
  const words = hashes >= 2 ? HEADERS : ROLES;
  for (let w = 0; w < words.length; w++) {
    const word = unchecked(words[w]);
    if (word.charCodeAt(0) != first || !startsWith(src, len, q, word)) continue;
    let r = q + word.length;
    while (r < len) { // spaces and `*` (markdown bold) before the colon
      const c = <i32>load<u8>(src + <usize>r);
      if (c != 32 && c != 9 && c != 42) break;
      r++;
    }
    if (r < len && load<u8>(src + <usize>r) == 58) return true;
    if (hashes >= 2 && (r >= len || load<u8>(src + <usize>r) == 10 || load<u8>(src + <usize>r) == 13)) return true;
  }
  return false;
}

/** Whether the byte src[i] starts a marker (`<`) or ends the line before one (`\n`). */
@inline function markerAt(src: usize, len: i32, i: i32): bool {
  const c = <i32>load<u8>(src + <usize>i);
  if (c == 60) return tokenAt(src, len, i);
  return c == 10 && i + 1 < len && labelAt(src, len, i + 1);
}

const ONES: u64 = 0x0101010101010101, HIGHS: u64 = 0x8080808080808080;
const LT: u64 = ONES * 60, NEWLINE: u64 = ONES * 10;
/** High bit set in every byte of w that is 0 (and possibly in bytes after one that is: a
 *  candidate, checked byte by byte). */
@inline function zeroBytes(w: u64): u64 { return (w - ONES) & ~w & HIGHS; }

/** Whether the window src[0..len) as written holds a forged turn or template marker. Eight bytes
 *  at a time: prose seldom holds `<` or a line break, so most words are skipped unread. */
export function hasTurnMarker(src: usize, len: i32): bool {
  if (len > 0 && labelAt(src, len, 0)) return true;
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const w = load<u64>(src + <usize>i);
    if ((zeroBytes(w ^ LT) | zeroBytes(w ^ NEWLINE)) == 0) continue;
    for (let k = i; k < i + 8; k++) if (markerAt(src, len, k)) return true;
  }
  for (; i < len; i++) if (markerAt(src, len, i)) return true;
  return false;
}
