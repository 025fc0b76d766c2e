// The reference pre-tokenisers, as hand-written matchers. Each function returns where the
// piece starting at `i` ends, exactly where tiktoken's regex (fancy-regex: backtracking,
// leftmost-first alternation, find_iter) would end it. Every code point starts some
// alternative, so pieces tile the text with no gaps. The comments quote the alternative
// being matched; "backtracking" notes say which greedy choice the regex settles on.
import {
  decodeAt, decodeMultiByte, asciiClass, inSet, C_APOSTROPHE, C_NUMBER, C_SPACE, C_NEWLINE,
  M_LETTER, M_PUNCT, M_PREFIX, M_SPACE, M_UPPERISH, M_LOWERISH, M_NEWLINE, M_NEWLINE_SLASH,
} from "./classes";

/**
 * End of the run of code points (from `p`) whose class is in `mask`. ASCII bytes take a branch
 * of their own that advances by one: the position then depends only on the predicted branch,
 * not on the class-table load (see asciiClass), so the loop is not bound by load latency.
 */
@inline function scanRun(p: usize, end: usize, mask: u32): usize {
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) {
      if (!inSet(asciiClass(b), mask)) break;
      p++;
    } else {
      const d = decodeMultiByte(p, end, b);
      if (!inSet(d & 0xff, mask)) break;
      p += <usize>(d >> 8);
    }
  }
  return p;
}

@inline function isAsciiLetter(b: u32, lower: u32): bool {
  return (b | 0x20) == lower; // true for exactly `lower` and its upper-case form
}

/**
 * (?i:'s|'t|'re|'ve|'m|'ll|'d) at `q`: returns the end of the contraction, or `q` if none.
 * Case-insensitive matching in the reference uses Unicode simple case folding, under which
 * U+017F LATIN SMALL LETTER LONG S (UTF-8 C5 BF) also matches `s`.
 */
function contractionEnd(q: usize, end: usize): usize {
  if (q + 1 >= end || load<u8>(q) != 0x27) return q;
  const b1 = <u32>load<u8>(q + 1);
  if (isAsciiLetter(b1, 0x73) || isAsciiLetter(b1, 0x74) || isAsciiLetter(b1, 0x6d) || isAsciiLetter(b1, 0x64)) {
    return q + 2; // 's 't 'm 'd
  }
  if (q + 2 < end) {
    const b2 = <u32>load<u8>(q + 2);
    if ((isAsciiLetter(b1, 0x72) || isAsciiLetter(b1, 0x76)) && isAsciiLetter(b2, 0x65)) return q + 3; // 're 've
    if (isAsciiLetter(b1, 0x6c) && isAsciiLetter(b2, 0x6c)) return q + 3; // 'll
    if (b1 == 0xc5 && b2 == 0xbf) return q + 3; // 'ſ
  }
  return q;
}

/** \p{N}{1,3} */
@inline function numberEnd(p: usize, end: usize): usize {
  for (let k = 1; k < 3 && p < end; k++) {
    const d = decodeAt(p, end);
    if ((d & 0xff) != C_NUMBER) break;
    p += <usize>(d >> 8);
  }
  return p;
}

/**
 * The three whitespace alternatives, shared by both encodings, for a run starting at `i`:
 *   \s*[\r\n]+   backtracking leaves the match ending at the run's last CR/LF;
 *   \s+(?!\S)    a run reaching the end is taken whole, otherwise all but its last code point
 *                (which then prefixes the following word or punctuation);
 *   \s+          a lone space before a non-space.
 */
function whitespaceEnd(i: usize, end: usize): usize {
  let p = i;
  let lastStart = i;
  let lastNewlineEnd: usize = 0;
  while (p < end) {
    const b = <u32>load<u8>(p);
    let c: u32;
    let next: usize;
    if (b < 0x80) { // as in scanRun: the step does not wait on the class load
      c = asciiClass(b);
      next = p + 1;
    } else {
      const d = decodeMultiByte(p, end, b);
      c = d & 0xff;
      next = p + <usize>(d >> 8);
    }
    if (!inSet(c, M_SPACE)) break;
    lastStart = p;
    p = next;
    if (c == C_NEWLINE) lastNewlineEnd = p;
  }
  if (lastNewlineEnd != 0) return lastNewlineEnd;
  if (p == end || lastStart == i) return p;
  return lastStart;
}

/**
 * cl100k_base, as shipped in tiktoken's JS/WASM bindings:
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 */
@inline export function nextPieceCl100k(i: usize, end: usize): usize {
  // Inlined into the per-piece loop: the ASCII word fast path here, the rest is a call.
  const b0 = <u32>load<u8>(i);
  if (b0 < 0x80) {
    const e = asciiWordEndCl100k(i, end, b0);
    if (e != 0) return e;
  }
  return generalPieceCl100k(i, end);
}

@inline function isAsciiLetterAnyCase(b: u32): bool { return (b | 0x20) - 0x61 < 26; }

/**
 * cl100k fast path for an ASCII word with an optional ASCII prefix: [^\r\n\p{L}\p{N}]?\p{L}+
 * where the letters start in ASCII. The letter run goes on through non-ASCII letters (general
 * scan from where ASCII stops). Returns 0 for anything else, including a leading apostrophe
 * (the contraction alternative comes first: "'s" is a piece of its own, "'hello" is not).
 */
@inline function asciiWordEndCl100k(i: usize, end: usize, b0: u32): usize {
  let p = i + 1;
  if (!isAsciiLetterAnyCase(b0)) {
    if (b0 == 0x27 || !inSet(asciiClass(b0), M_PREFIX) || p >= end || !isAsciiLetterAnyCase(<u32>load<u8>(p))) return 0;
    p++;
  }
  while (p < end && isAsciiLetterAnyCase(<u32>load<u8>(p))) p++;
  if (p < end && load<u8>(p) >= 0x80) p = scanRun(p, end, M_LETTER);
  return p;
}

function generalPieceCl100k(i: usize, end: usize): usize {
  const d0 = decodeAt(i, end);
  const c0 = d0 & 0xff;
  const n0 = i + <usize>(d0 >> 8);
  if (c0 == C_APOSTROPHE) {
    const e = contractionEnd(i, end);
    if (e != i) return e;
  }
  if (inSet(c0, M_PREFIX)) {
    if (n0 < end && inSet(decodeAt(n0, end) & 0xff, M_LETTER)) return scanRun(n0, end, M_LETTER);
  } else if (inSet(c0, M_LETTER)) {
    return scanRun(n0, end, M_LETTER);
  }
  if (c0 == C_NUMBER) return numberEnd(n0, end);
  if (c0 == C_SPACE) {
    if (n0 < end && inSet(decodeAt(n0, end) & 0xff, M_PUNCT)) {
      return scanRun(scanRun(n0, end, M_PUNCT), end, M_NEWLINE);
    }
  } else if (inSet(c0, M_PUNCT)) {
    return scanRun(scanRun(n0, end, M_PUNCT), end, M_NEWLINE);
  }
  return whitespaceEnd(i, end);
}

/**
 * o200k [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+ from `a`; 0 if it fails.
 * Backtracking: the greedy upper-ish run gives back code points until a lower-ish one can
 * start the second run, so the match ends either after the lower-ish run that follows the
 * upper-ish run, or (failing that) right after the last lower-ish code point inside it.
 */
function upperThenLowerEnd(a: usize, end: usize): usize {
  let p = a;
  let lastLowerishEnd: usize = 0;
  while (p < end) {
    const b = <u32>load<u8>(p);
    let c: u32;
    let next: usize;
    if (b < 0x80) { // as in scanRun: the step does not wait on the class load
      c = asciiClass(b);
      next = p + 1;
    } else {
      const d = decodeMultiByte(p, end, b);
      c = d & 0xff;
      next = p + <usize>(d >> 8);
    }
    if (!inSet(c, M_UPPERISH)) {
      if (inSet(c, M_LOWERISH)) return scanRun(p, end, M_LOWERISH);
      break;
    }
    p = next;
    if (inSet(c, M_LOWERISH)) lastLowerishEnd = p;
  }
  return lastLowerishEnd;
}

@inline function isAsciiUpper(b: u32): bool { return b - 0x41 < 26; } // A-Z
@inline function isAsciiLower(b: u32): bool { return b - 0x61 < 26; } // a-z

/**
 * o200k fast path for the commonest piece, an ASCII word with an optional ASCII prefix
 * (" word", " The", "(API", "don't"): plain byte compares instead of class lookups and no calls.
 * Within ASCII, upper-ish is [A-Z] and lower-ish is [a-z] (no marks, no caseless letters), so
 * both letter alternatives reduce to [A-Z]*[a-z]* with at least one letter: the first takes it
 * when the lower-case run is not empty, the second when it is. Returns 0 when the piece is not
 * of that shape, or when an all-upper-case run meets a non-ASCII code point (it could be
 * upper-ish, lower-ish or a mark: the general matcher decides). A lower-case run that meets
 * one simply goes on as the general lower-ish run.
 */
@inline function asciiWordEndO200k(i: usize, end: usize, b0: u32): usize {
  let a = i;
  if (!isAsciiUpper(b0) && !isAsciiLower(b0)) {
    // The optional prefix [^\r\n\p{L}\p{N}] (any ASCII but letters, digits, CR and LF),
    // taken only when a letter follows.
    if (!inSet(asciiClass(b0), M_PREFIX) || i + 1 >= end) return 0;
    const b1 = <u32>load<u8>(i + 1);
    if (!isAsciiUpper(b1) && !isAsciiLower(b1)) return 0;
    a = i + 1;
  }
  let p = a;
  while (p < end && isAsciiUpper(<u32>load<u8>(p))) p++;
  const upperEnd = p;
  while (p < end && isAsciiLower(<u32>load<u8>(p))) p++;
  if (p == end) return p;
  const b = <u32>load<u8>(p);
  if (b >= 0x80) {
    if (p == upperEnd) return 0;
    p = scanRun(p, end, M_LOWERISH);
  } else if (b != 0x27) return p; // no apostrophe: no contraction (saves a call per word)
  return contractionEnd(p, end);
}

/**
 * o200k_base:
 * [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
 */
@inline export function nextPieceO200k(i: usize, end: usize): usize {
  // Inlined into the per-piece loop: the ASCII word fast path here, the rest is a call.
  const b0 = <u32>load<u8>(i);
  if (b0 < 0x80) {
    const e = asciiWordEndO200k(i, end, b0);
    if (e != 0) return e;
  }
  return generalPieceO200k(i, end);
}

function generalPieceO200k(i: usize, end: usize): usize {
  const d0 = decodeAt(i, end);
  const c0 = d0 & 0xff;
  const n0 = i + <usize>(d0 >> 8);
  const canPrefix = inSet(c0, M_PREFIX) && n0 < end;
  // First alternative: with the optional prefix, then without it (a mark is both).
  if (canPrefix) {
    const e = upperThenLowerEnd(n0, end);
    if (e != 0) return contractionEnd(e, end);
  }
  if (inSet(c0, M_UPPERISH | M_LOWERISH)) {
    const e = upperThenLowerEnd(i, end);
    if (e != 0) return contractionEnd(e, end);
  }
  // Second alternative: an upper-ish run, then an optional lower-ish run.
  if (canPrefix && inSet(decodeAt(n0, end) & 0xff, M_UPPERISH)) {
    return contractionEnd(scanRun(scanRun(n0, end, M_UPPERISH), end, M_LOWERISH), end);
  }
  if (inSet(c0, M_UPPERISH)) {
    return contractionEnd(scanRun(scanRun(n0, end, M_UPPERISH), end, M_LOWERISH), end);
  }
  if (c0 == C_NUMBER) return numberEnd(n0, end);
  if (c0 == C_SPACE) {
    if (n0 < end && inSet(decodeAt(n0, end) & 0xff, M_PUNCT)) {
      return scanRun(scanRun(n0, end, M_PUNCT), end, M_NEWLINE_SLASH);
    }
  } else if (inSet(c0, M_PUNCT)) {
    return scanRun(scanRun(n0, end, M_PUNCT), end, M_NEWLINE_SLASH);
  }
  return whitespaceEnd(i, end);
}
