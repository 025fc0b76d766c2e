// Forged conversation structure (session 13): chat-template tokens and role labels written into a
// user text, a document or a tool result so that the model reads what follows as another turn
// (a new system prompt, the user's next request, or the assistant's own answer: the "fake
// completion" of Liu et al. 2024, "Formalizing and Benchmarking Prompt Injection Attacks and
// Defenses"). The normaliser maps their punctuation to class bytes, so neither the word rules nor
// the n-grams see them: they are read here, on the window as written, before normalisation
// (ASCII letters case-folded). What fires the `forged_turn` rule (a feature of the model like the
// word rules, not a verdict: a developer asking how to format a Llama prompt writes the same
// tokens, and the learned weights weigh them):
//   template tokens: `<|name|>` (ChatML, Llama 3, Phi: <|im_start|>, <|im_end|>, <|endoftext|>,
//     <|system|>, <|user|>, <|assistant|>, <|begin_of_text|>, <|start_header_id|>, <|eot_id|>...),
//     `[INST]`, `[/INST]`, `<<SYS>>`, `<</SYS>>` (Llama 2, Mistral), `<start_of_turn>`,
//     `<end_of_turn>` (Gemma), `</s>`;
//   at the start of a line (after spaces, tabs, `>`, `*`, `#`): Alpaca headers `## Instruction:` /
//     `### Response` / `### System` / `### Input` (two to four `#`; a colon or the end of the line),
//     and role labels `System:`, `User:`, `Assistant:`, `Human:`, `AI:` (a colon, `*` allowed
//     before it for `**User:**`).
// One pass over the window; only `<`, `[` and line starts look further.

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

/** A template token at src[at] == '<' or '['. */
function tokenAt(src: usize, len: i32, at: i32, c: i32): bool {
  if (c == 91) return startsWith(src, len, at, "[inst]") || startsWith(src, len, at, "[/inst]");
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
    return n >= 2 && n <= 40 && q + 1 < len && load<u8>(src + <usize>q) == 124 && load<u8>(src + <usize>(q + 1)) == 62;
  }
  if (d == 60) return startsWith(src, len, at, "<<sys>>") || startsWith(src, len, at, "<</sys>>");
  if (d == 47) return startsWith(src, len, at, "</s>");
  if (d == 115 || d == 83) return startsWith(src, len, at, "<start_of_turn>");
  if (d == 101 || d == 69) return startsWith(src, len, at, "<end_of_turn>");
  return false;
}

const ROLES: StaticArray<string> = ["system", "user", "assistant", "human", "ai"];
const HEADERS: StaticArray<string> = ["instruction", "response", "system", "input"];

/** A role label or an Alpaca header at the line starting at src[at]. */
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

/** Whether the window src[0..len) as written holds a forged turn or template marker. */
export function hasTurnMarker(src: usize, len: i32): bool {
  if (len > 0 && labelAt(src, len, 0)) return true;
  for (let i = 0; i < len; i++) {
    const c = <i32>load<u8>(src + <usize>i);
    if (c == 60 || c == 91) {
      if (tokenAt(src, len, i, c)) return true;
    } else if (c == 10 && i + 1 < len) {
      if (labelAt(src, len, i + 1)) return true;
    }
  }
  return false;
}
