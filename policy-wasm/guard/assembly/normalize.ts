// Text normalisation: what an attacker does to slip past keyword rules and n-gram features is
// undone before either looks at the text. One window of UTF-8 input (at most WINDOW bytes) is
// turned into lower-case ASCII-ish bytes in `norm`:
//   pass 1 (code points): zero-width and bidi controls dropped (counted), Unicode whitespace and
//     runs of whitespace become one space, upper case folded, Latin-1 accents dropped,
//     confusables (Cyrillic and Greek look-alikes, fullwidth forms, mathematical alphanumerics,
//     circled letters, regional-indicator letters) mapped to the ASCII letter they imitate
//     (counted when they sit in a word that also has plain ASCII letters: a mixed-script word),
//     a few Chinese and Japanese words of the attack families read as their English word
//     (CJK_WORDS), other letters kept as one byte >= 0x80 per code point (a coarse class, so
//     other languages still give features);
//   pass 2 (tokens): leetspeak inside words that mix letters and digits (1gn0r3 -> ignore), and
//     letters spelled out one by one (i g n o r e, i.g.n.o.r.e) joined back into a word.
// Every output byte is either a space, ASCII punctuation, [a-z0-9] or a byte >= 0x80 (a letter
// of another script); `isWordByte` says which bytes make words.

/** Largest window of input bytes scored at once (longer parts are scored window by window). */
export const WINDOW: i32 = 16384;

const stage = new StaticArray<u8>(WINDOW + 16);
/** The normalised window: norm[0..normLen), padded with zeros for 8-byte loads past the end. */
export const norm = new StaticArray<u8>(WINDOW + 16);
export let normLen: i32 = 0;
/** Zero-width / bidi control characters dropped in the last window. */
export let zeroWidth: i32 = 0;
/** Words mixing plain ASCII letters with mapped confusables in the last window. */
export let mixedScript: i32 = 0;
/** Dots and hyphens in the last window (check.ts tries a Morse decoding when most bytes are). */
export let morseMarks: i32 = 0;

// Latin-1 Supplement letters U+00C0..U+00FF without their accents (space: not a letter).
const LATIN1 = "aaaaaaaceeeeiiiidnooooo ouuuuytsaaaaaaaceeeeiiiidnooooo ouuuuyty";

@inline export function isWordByte(b: i32): bool {
  return <u32>(b - 97) < 26 || <u32>(b - 48) < 10 || b >= 0x80;
}
@inline function isLetter(b: i32): bool { return <u32>(b - 97) < 26; }

/** Zero-width, joiners, bidi controls, soft hyphen and other invisible format characters. */
function invisible(cp: i32): bool {
  return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
    cp == 0xfeff || cp == 0x00ad || cp == 0x034f || cp == 0x180e || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0000 && cp <= 0xe007f);
}

function unicodeSpace(cp: i32): bool {
  return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
    cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0x85;
}

/** The ASCII letter a Cyrillic or Greek look-alike imitates, or 0. */
function confusable(cp: i32): i32 {
  switch (cp) {
    // Cyrillic lower / upper
    case 0x0430: case 0x0410: return 97;  // a
    case 0x0432: case 0x0412: return 98;  // в/В -> b (upper looks like B)
    case 0x0435: case 0x0415: case 0x0451: case 0x0401: return 101; // e
    case 0x043a: case 0x041a: return 107; // k
    case 0x043c: case 0x041c: return 109; // m
    case 0x043d: case 0x041d: return 104; // н/Н -> h
    case 0x043e: case 0x041e: return 111; // o
    case 0x0440: case 0x0420: return 112; // p
    case 0x0441: case 0x0421: return 99;  // c
    case 0x0442: case 0x0422: return 116; // t
    case 0x0443: case 0x0423: return 121; // y
    case 0x0445: case 0x0425: return 120; // x
    case 0x0456: case 0x0406: return 105; // i
    case 0x0458: case 0x0408: return 106; // j
    case 0x0455: case 0x0405: return 115; // s
    case 0x0501: return 100;              // d
    case 0x04bb: return 104;              // h
    case 0x0261: return 103;              // script g
    // Greek lower / upper
    case 0x03b1: case 0x0391: return 97;
    case 0x0392: case 0x03b2: return 98;
    case 0x03b5: case 0x0395: return 101;
    case 0x0396: return 122;
    case 0x0397: return 104;
    case 0x03b9: case 0x0399: return 105;
    case 0x03ba: case 0x039a: return 107;
    case 0x039c: return 109;
    case 0x03bd: case 0x039d: return 110; // ν looks like v; N
    case 0x03bf: case 0x039f: return 111;
    case 0x03c1: case 0x03a1: return 112;
    case 0x03c4: case 0x03a4: return 116;
    case 0x03c5: case 0x03a5: return 121;
    case 0x03c7: case 0x03a7: return 120;
    default: return 0;
  }
}

/** Mapped ASCII for fullwidth forms, mathematical alphanumerics and circled letters, or 0. */
function styled(cp: i32): i32 {
  if (cp >= 0xff01 && cp <= 0xff5e) {
    const c = cp - 0xfee0;
    return <u32>(c - 65) < 26 ? c | 32 : c;
  }
  if (cp >= 0x1d400 && cp <= 0x1d6a3) {
    const k = (cp - 0x1d400) % 52;
    return k < 26 ? 97 + k : 97 + k - 26;
  }
  if (cp >= 0x1d7ce && cp <= 0x1d7ff) return 48 + (cp - 0x1d7ce) % 10;
  if (cp >= 0x24b6 && cp <= 0x24cf) return 97 + cp - 0x24b6;
  if (cp >= 0x24d0 && cp <= 0x24e9) return 97 + cp - 0x24d0;
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return 97 + cp - 0x1f1e6; // regional indicator letters (flag emoji halves)
  return 0;
}

// Chinese and Japanese are written without spaces, and each of their characters is one class byte
// here, so the rules cannot find a word inside a run of them. The few words of the attack families
// (ignore, previous, instructions, password, what, tell, system prompt, your, ...) are read as their
// English word with spaces around it instead, when a character of a CJK block starts one
// (longest first: "系统提示" before "系统"); the other characters stay class bytes.
const CJK_WORDS: StaticArray<string> = [
  "あなたは", "you are", "あなたの", "your", "これまでの", "previous", "すべての", "all",
  "システムプロンプト", "system prompt", "システム", "system", "パスワード", "password", "プロンプト", "prompt",
  "モード", "mode", "ルール", "rules", "上述", "above", "上司", "boss",
  "之前的", "previous", "之前", "previous", "什么", "what", "什麼", "what",
  "今から", "from now on", "以前的", "previous", "以上の", "above", "以前", "previous",
  "以上", "above", "何", "what", "你现在是", "you are now", "你是", "you are",
  "你的", "your", "先前的", "previous", "全ての", "all", "全部", "all",
  "制限", "restrictions", "前面的", "previous", "前の", "previous", "口令", "password",
  "告诉", "tell", "告訴", "tell", "命令", "instructions", "声明", "state",
  "密码", "password", "密碼", "password", "并且", "and", "并", "and",
  "开发者", "developer", "忘记", "forget", "忘記", "forget", "忘れ", "forget",
  "忽略", "ignore", "您的", "your", "我是", "i am", "所有", "all",
  "打印", "print", "指示", "instructions", "指令", "instructions", "提示词", "prompt",
  "教えて", "tell", "无视", "ignore", "显示", "show", "暗証番号", "password",
  "模式", "mode", "泄露", "reveal", "無視", "ignore", "然后", "then",
  "现在", "now", "私は", "i am", "秘密", "secret", "管理员", "administrator",
  "管理者", "administrator", "系统提示词", "system prompt", "系统提示", "system prompt", "系統提示", "system prompt",
  "系统", "system", "系統", "system", "見せて", "show", "規則", "rules",
  "规则", "rules", "輸出", "output", "输出", "output", "透露", "reveal",
  "開発者", "developer", "限制", "restrictions", "顯示", "show",
];
const CJK_COUNT = CJK_WORDS.length >> 1;
/** Per keyword: its UTF-8 bytes at cjkFrom[k]..cjkFrom[k + 1] of cjkBytes, its first code point. */
const cjkBytes = new StaticArray<u8>(1024);
const cjkFrom = new StaticArray<i32>(CJK_COUNT + 1);
const cjkFirst = new StaticArray<i32>(CJK_COUNT);
/** The keywords whose first code point is cp, by (cp & 4095): cjkHead[cp & 4095] is the first
 *  (-1: none, what most characters find with one load), cjkNext[k] the next, in list order. */
const cjkHead = new StaticArray<i16>(4096);
const cjkNext = new StaticArray<i16>(CJK_COUNT);
{
  let at = 0;
  for (let b = 0; b < 4096; b++) unchecked(cjkHead[b] = -1);
  for (let k = CJK_COUNT - 1; k >= 0; k--) {
    const cp = CJK_WORDS[k << 1].codePointAt(0);
    unchecked(cjkFirst[k] = cp);
    unchecked(cjkNext[k] = cjkHead[cp & 4095]);
    unchecked(cjkHead[cp & 4095] = <i16>k);
  }
  for (let k = 0; k < CJK_COUNT; k++) {
    const bytes = Uint8Array.wrap(String.UTF8.encode(CJK_WORDS[k << 1]));
    unchecked(cjkFrom[k] = at);
    for (let b = 0; b < bytes.length; b++) unchecked(cjkBytes[at++] = bytes[b]);
  }
  unchecked(cjkFrom[CJK_COUNT] = at);
}

/** The keyword starting at src[at..len) with code point cp, or -1. */
function cjkWordAt(src: usize, at: i32, len: i32, cp: i32): i32 {
  for (let k = <i32>unchecked(cjkHead[cp & 4095]); k >= 0; k = <i32>unchecked(cjkNext[k])) {
    if (unchecked(cjkFirst[k]) != cp) continue;
    const from = unchecked(cjkFrom[k]), n = unchecked(cjkFrom[k + 1]) - from;
    if (at + n > len) continue;
    let same = true;
    for (let b = 0; b < n; b++) {
      if (load<u8>(src + <usize>(at + b)) != unchecked(cjkBytes[from + b])) { same = false; break; }
    }
    if (same) return k;
  }
  return -1;
}

/** Pass 1 over src[0..len) into `stage`; returns the staged length. */
function pass1(src: usize, len: i32): i32 {
  const out = changetype<usize>(stage);
  let n = 0;
  let lastSpace = true; // no leading space
  let wordAscii = false, wordMapped = false;
  let i = 0;
  while (i < len) {
    let cp = <i32>load<u8>(src + <usize>i);
    if (cp < 0x80) {
      i++;
      let c = cp;
      if (<u32>(c - 65) < 26) c |= 32;
      if (c <= 32 || c == 127) {
        if (!lastSpace) { store<u8>(out + <usize>(n++), 32); lastSpace = true; }
        if (wordAscii && wordMapped) mixedScript++;
        wordAscii = false; wordMapped = false;
        continue;
      }
      if (isLetter(c)) {
        wordAscii = true;
        store<u8>(out + <usize>(n++), <u8>c);
        lastSpace = false;
        // the rest of an ASCII word, letter by letter, without the checks above
        while (i < len) {
          const d = <i32>load<u8>(src + <usize>i) | 32;
          if (!isLetter(d)) break;
          store<u8>(out + <usize>(n++), <u8>d);
          i++;
        }
        continue;
      }
      if (!(<u32>(c - 48) < 10)) { if (wordAscii && wordMapped) mixedScript++; wordAscii = false; wordMapped = false; }
      if (c == 46 || c == 45) morseMarks++;
      store<u8>(out + <usize>(n++), <u8>c);
      lastSpace = false;
      continue;
    }
    // multi-byte sequence (malformed bytes count as one U+FFFD-like letter)
    const at = i;
    let need = 0;
    if ((cp & 0xe0) == 0xc0) { cp &= 0x1f; need = 1; }
    else if ((cp & 0xf0) == 0xe0) { cp &= 0x0f; need = 2; }
    else if ((cp & 0xf8) == 0xf0) { cp &= 0x07; need = 3; }
    else { cp = 0xfffd; }
    i++;
    for (let k = 0; k < need; k++) {
      if (i >= len) { cp = 0xfffd; break; }
      const b = <i32>load<u8>(src + <usize>i);
      if ((b & 0xc0) != 0x80) { cp = 0xfffd; break; }
      cp = (cp << 6) | (b & 0x3f);
      i++;
    }
    if (invisible(cp)) { zeroWidth++; continue; }
    if (unicodeSpace(cp)) {
      if (!lastSpace) { store<u8>(out + <usize>(n++), 32); lastSpace = true; }
      if (wordAscii && wordMapped) mixedScript++;
      wordAscii = false; wordMapped = false;
      continue;
    }
    if (cp >= 0x3040 && cp <= 0x9fff) {
      const k = cjkWordAt(src, at, len, cp);
      if (k >= 0) {
        const word = unchecked(CJK_WORDS[(k << 1) + 1]);
        const end = at + unchecked(cjkFrom[k + 1]) - unchecked(cjkFrom[k]);
        // the only place pass 1 writes more bytes than it reads: the word is taken only if the rest
        // of the window (at most one byte per byte read) still fits in `stage`
        if (n + word.length + 2 + (len - end) <= WINDOW) {
          if (wordAscii && wordMapped) mixedScript++;
          wordAscii = false; wordMapped = false;
          if (!lastSpace) store<u8>(out + <usize>(n++), 32);
          for (let q = 0; q < word.length; q++) store<u8>(out + <usize>(n++), <u8>word.charCodeAt(q));
          store<u8>(out + <usize>(n++), 32);
          lastSpace = true;
          i = end;
          continue;
        }
      }
    }
    let c = 0;
    // Spanish opening marks and guillemets as their ASCII punctuation: as class bytes they were
    // letters, so "¿Cuál" was one word with "cual" (a rule word) inside it
    if (cp == 0xa1 || cp == 0xbf || cp == 0xab || cp == 0xbb) {
      if (wordAscii && wordMapped) mixedScript++;
      wordAscii = false; wordMapped = false;
      store<u8>(out + <usize>(n++), <u8>(cp == 0xa1 ? 33 : cp == 0xbf ? 63 : 34));
      lastSpace = false;
      continue;
    }
    if (cp >= 0xc0 && cp <= 0xff) {
      c = LATIN1.charCodeAt(cp - 0xc0);
      if (c == 32) c = 42; // × ÷: punctuation
      else wordAscii = true;
    } else {
      c = confusable(cp);
      if (c == 0) c = styled(cp);
      if (c != 0) wordMapped = true;
      else if (cp >= 0x2010 && cp <= 0x205e) {
        // general punctuation: quotes and dashes as their ASCII forms, the rest as a space
        c = cp == 0x2018 || cp == 0x2019 ? 39 : cp == 0x201c || cp == 0x201d ? 34 : cp <= 0x2015 ? 45 : cp == 0x2026 ? 46 : 32;
        if (c == 32) {
          if (!lastSpace) { store<u8>(out + <usize>(n++), 32); lastSpace = true; }
          continue;
        }
      } else {
        // a letter (or symbol) of another script: one class byte, Cyrillic and Greek capitals
        // folded first (the look-alikes were mapped above) so "Игнорировать" reads as "игнорировать"
        if (cp >= 0x0410 && cp <= 0x042f) cp += 0x20;
        else if (cp >= 0x0400 && cp <= 0x040f) cp += 0x50;
        else if (cp >= 0x0391 && cp <= 0x03a9 && cp != 0x03a2) cp += 0x20;
        c = 0x80 | (cp & 0x7f);
      }
    }
    store<u8>(out + <usize>(n++), <u8>c);
    lastSpace = false;
  }
  if (wordAscii && wordMapped) mixedScript++;
  return n;
}

@inline function leet(c: i32): i32 {
  switch (c) {
    case 48: return 111; // 0 o
    case 49: return 105; // 1 i
    case 51: return 101; // 3 e
    case 52: return 97;  // 4 a
    case 53: return 115; // 5 s
    case 55: return 116; // 7 t
    case 56: return 98;  // 8 b
    case 57: return 103; // 9 g
    case 64: return 97;  // @ a
    case 36: return 115; // $ s
    default: return c;
  }
}

@inline function tokenByte(c: i32): bool { return isWordByte(c) || c == 64 || c == 36; }
@inline function spacer(c: i32): bool { return c == 32 || c == 46 || c == 45 || c == 95 || c == 42 || c == 44; }
@inline function stageAt(i: i32, n: i32): i32 { return i < n && i >= 0 ? <i32>unchecked(stage[i]) : 32; }

/** Pass 2: `stage` -> `norm` (leetspeak, spelled-out letters). */
function pass2(n: i32): i32 {
  const out = changetype<usize>(norm);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = <i32>unchecked(stage[i]);
    if (!tokenByte(c)) { store<u8>(out + <usize>(o++), <u8>c); i++; continue; }
    let j = i;
    let letters = 0, leets = 0;
    while (j < n && tokenByte(<i32>unchecked(stage[j]))) {
      const d = <i32>unchecked(stage[j]);
      if (isLetter(d)) letters++; else if (leet(d) != d) leets++;
      j++;
    }
    if (j - i == 1 && isLetter(c)) {
      // a single letter: the start of l e t t e r s spelled out?
      let k = i, count = 1;
      while (spacer(stageAt(k + 1, n)) && isLetter(stageAt(k + 2, n)) && !tokenByte(stageAt(k + 3, n))) { count++; k += 2; }
      if (count >= 4) {
        for (let m = i; m <= k; m += 2) store<u8>(out + <usize>(o++), unchecked(stage[m]));
        i = k + 1;
        continue;
      }
    }
    if (leets == 0) {
      // the usual token (no digit that reads as a letter, no @ or $): copied as it is
      for (let m = i; m < j; m++) store<u8>(out + <usize>(o++), unchecked(stage[m]));
      i = j;
      continue;
    }
    const map = letters >= 2;
    for (let m = i; m < j; m++) {
      let d = <i32>unchecked(stage[m]);
      if (map) d = leet(d);
      if (d == 64 || d == 36) d = 32; // a lone @ or $ separates words
      store<u8>(out + <usize>(o++), <u8>d);
    }
    i = j;
  }
  store<u64>(out + <usize>o, 0);
  store<u64>(out + <usize>o + 8, 0);
  return o;
}

/** Normalises src[0..len) (len <= WINDOW) into `norm`; resets the counters first. */
export function normalize(src: usize, len: i32): void {
  zeroWidth = 0;
  mixedScript = 0;
  morseMarks = 0;
  normLen = pass2(pass1(src, len));
}

/** ROT13 of the normalised window, in place. */
export function rot13InPlace(): void {
  const p = changetype<usize>(norm);
  for (let i = 0; i < normLen; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (isLetter(c)) store<u8>(p + <usize>i, <u8>(97 + (c - 97 + 13) % 26));
  }
}

/** Reverses the normalised window in place (the reversed view; readWords reads it next). */
export function reverseInPlace(): void {
  const p = changetype<usize>(norm);
  let i = 0, j = normLen - 1;
  while (i < j) {
    const a = load<u8>(p + <usize>i);
    store<u8>(p + <usize>i, load<u8>(p + <usize>j));
    store<u8>(p + <usize>j, a);
    i++; j--;
  }
}
