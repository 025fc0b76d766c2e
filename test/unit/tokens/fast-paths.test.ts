// Regression tests for the module's fast paths (policy-wasm/tokens): the ASCII word matchers in
// pretokenize.ts, the piece cache (whole tokens and merged pieces, short keys compared as two
// zero-padded words, longer keys byte by byte) and the one- and two-byte pieces. Each edge is
// where a fast path hands over to the general matcher or meets a boundary: an ASCII word
// running into a multibyte code point, contractions, digit runs, whitespace runs before a
// non-space, pieces of 15-17 and 31-33 bytes, and a text ending where stale letters of an
// earlier, longer input still sit in the module's input buffer. Everything is compared with
// the reference tiktoken bindings, ids and counts, twice (the second pass is served by the
// piece cache).
import { get_encoding, type Tiktoken } from "tiktoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenizer, type Tokenizer } from "../../../src/policy/tokens/tokenizer.js";
import { ENCODINGS } from "../../../src/policy/tokens/encodings.js";

const WORD_MEETS_MULTIBYTE = [
  "helloé", "HELLOé", "Helloé", "ABÉC", "ABé", "Aé", "aÉ", " wordé", " WORDé", " Wordé", "(wordé", "(WORDé",
  "word\u0301", "WORD\u0301", "WORD\u0301s", "Wo\u0301rd", "AB\u02b0c", "ab\u02b0", "ab中文", "AB中文", " ab中文 cd",
  "straße", "STRASSE", "naïve", "NAÏVE", "café's", "CAFÉ'S", "x\u200dy", "ab\u{1f600}cd", "AB\u{1f600}", "a\ufffdb",
  "word\u00a0next", "WORD\u2019s", "it\u2019s", "ǅemal", "ABǅ", "ᾈx", "Aᾈ",
  // An upper-case run meeting a non-ASCII upper-case letter: the general matcher must decide (the
  // last five tokenise differently if the piece is cut where ASCII ends).
  "MÜNCHEN", " MÜNCHEN", "ÉCOLE", " CAFÉS", "DÉJÀ vu", "ABÉc", " HTTPÉtat", "ÜBERall", " GRÜßE", "THÉORIE's",
  " MÉN", " MÉs", " TÜRE", "TÜCHEN", " MÉne",
];
const CONTRACTIONS = [
  "don't", "DON'T", "Don'T", "we'll", "WE'LL", "I'm", "I'M", "they're", "THEY'VE", "she'd", "it'ſ", "IT'ſ",
  "'s", "'S", "'sup", "'hello", "''hello", "x's", "X'S", " 're", "''s", "word'", "word'x", "WORD's", "Word'll",
  "a'", "A'", "abc'l", "abc'le", "abc'llama", "rock'n'roll", "O'Neil's", " 'tis", "'", "''", "' s",
];
const DIGITS = [
  "1", "12", "123", "1234", "1234567", "a1234", "A1234", " 12345 ", "1,234,567.89", "v1.2.3", "٣٤٥٦", "12٣45",
  "x2y", "X2Y", "2nd", "3RD", "abc123def", "ABC123DEF", "0xdeadbeef", "1e10",
];
const WHITESPACE = [
  "a  b", "a   \tb", "a \n b", "  word", "\tword", "\t\tword", "a\r\nb", "a \r\n b", "end  ", "end\n", "x\u00a0y",
  "x \u3000y", "x\u3000 y", " ", "  ", "\n\n", " \n ", "a\u0085b", "a \u0085 b", "\ufeffword", "a\u000bb", "a\u000cb",
  "word\n\nWord", "  (x)", "a  .", "a \t.", "x /y", "x//y\n\n", "a.\n", "a./\n", "))\r\n", " ?!\n\n",
];
const PREFIXES = [
  "(Word", "\"API\"", "#tag", "$100", "/path/to/file", "-word", "--flag", "@user", "_private", "__init__", "a_b",
  "\u00a0word", "\u00a0WORD", "«word»", "“Word”", "·word", "\u0301word", "\u0301WORD", "\tAPI", "\u2028word", "\u000bword",
  "!Hello", "?who", "[a]", "{A}", "<b>", "&amp;", "%d", "*bold*", "=x", "+y", "~z", "^A", "`code`", "|pipe|",
];

/** Pieces of every length around the cache's key limits (16 and 32 bytes) and the heap (96). */
function lengthEdges(): string[] {
  const out: string[] = [];
  for (const n of [1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 23, 24, 31, 32, 33, 34, 47, 95, 96, 97, 130]) {
    out.push("a".repeat(n), " " + "b".repeat(n), "xy".repeat(n).slice(0, n), " " + "Zq".repeat(n).slice(0, n));
    out.push("-".repeat(n), " " + "=".repeat(n), " ".repeat(n) + "x", "\n".repeat(n), "é".repeat(n), "1".repeat(n));
    out.push(" " + "abcdefghijklmnopqrstuvwxyz".repeat(6).slice(0, n));
  }
  out.push(" supercalifragilisticexpialidocious", " antidisestablishmentarianism", " pneumonoultramicroscopicsilicovolcanoconiosis");
  out.push(" internationalization", " INTERNATIONALIZATION", " Internationalization's", " ________________", " ////////////////");
  return out;
}

/** Seeded ASCII-heavy prose with some multibyte words: many pieces repeat, so most are cache hits. */
function prose(seed: number, words: number): string {
  const vocab = ["the", "The", "THE", "gateway", "Gateway's", "don't", "naïve", "café", "über", "日本語", "ok.", "(x)",
    "A", "I", "a", "42", "1234", "3.14", "\t", "\n", "  ", "e.g.", "foo_bar", "x'y", "AB", "ABé", "aé", "—", "…", "🙂"];
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(vocab[next() % vocab.length] as string);
  return parts.join(next() % 3 === 0 ? "" : " ");
}

const TEXTS = [
  ...WORD_MEETS_MULTIBYTE, ...CONTRACTIONS, ...DIGITS, ...WHITESPACE, ...PREFIXES, ...lengthEdges(),
  WORD_MEETS_MULTIBYTE.join(" "), CONTRACTIONS.join(" "), DIGITS.join(" "), WHITESPACE.join(""), PREFIXES.join(" "),
  ...Array.from({ length: 40 }, (_, i) => prose(7 + i, 60)),
];

describe.each(ENCODINGS)("fast paths vs tiktoken, %s", (encoding) => {
  let reference: Tiktoken;
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    reference = get_encoding(encoding);
    tokenizer = await createTokenizer({ encoding, engine: "raw" });
  });
  afterAll(async () => {
    reference.free();
    await tokenizer.close();
  });

  const expectReference = (texts: readonly string[], ids: Uint32Array[], counts: number[]): void => {
    const wrong = texts.flatMap((text, i) => {
      const expected = Array.from(reference.encode_ordinary(text));
      const actual = Array.from(ids[i] as Uint32Array);
      const same = expected.length === actual.length && expected.every((id, k) => id === actual[k]);
      return same && counts[i] === expected.length ? [] : [{ text: JSON.stringify(text), expected, actual, count: counts[i] }];
    });
    expect(wrong.slice(0, 5)).toEqual([]);
  };

  it("gives the reference ids and counts on every edge, first seen and then cached", async () => {
    for (let pass = 0; pass < 2; pass++) {
      const texts = pass === 0 ? TEXTS : [...TEXTS].reverse();
      expectReference(texts, await tokenizer.encode(texts), await tokenizer.count(texts));
    }
  });

  it("stops every piece at its text's end, even with letters left in the buffer after it", async () => {
    // A long input first, so the module's input buffer holds letters (and digits, spaces) past
    // the end of the short inputs that follow: the word matchers read ahead in whole words.
    const long = ["x".repeat(4096) + " word".repeat(500) + "1".repeat(300)];
    await tokenizer.count(long);
    for (const text of ["abc", "ABC", "Abc", " ab", "a", "A", "ab'", "ab's", "12", " ", "é", "aé", "(a", "'", "x1"]) {
      await tokenizer.count(long);
      const counts = await tokenizer.count([text]);
      await tokenizer.encode(long);
      const ids = await tokenizer.encode([text]);
      expectReference([text], ids, counts);
    }
  });
});
