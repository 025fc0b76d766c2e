// Seeded random texts (random Unicode from every plane, whitespace runs with every White_Space
// code point and the ones JS's \s disagrees on, long repeats, emoji sequences, lone surrogates,
// case-folded contractions) must give exactly the ids of the reference tiktoken bindings.
import { get_encoding, type Tiktoken } from "tiktoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenizer, type Tokenizer } from "../../../src/policy/tokens/tokenizer.js";
import { ENCODINGS } from "../../../src/policy/tokens/encodings.js";
import { randomText } from "./random-text.js";

const TEXTS = 1500;

describe.each(ENCODINGS)("random texts vs tiktoken, %s", (encoding) => {
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

  it(`gives the reference ids on ${TEXTS} seeded texts`, async () => {
    const texts = Array.from({ length: TEXTS }, (_, i) => randomText(1000 + i));
    const ids = await tokenizer.encode(texts);
    const mismatches: { seed: number; text: string }[] = [];
    texts.forEach((text, i) => {
      const expected = reference.encode_ordinary(text);
      const actual = ids[i] as Uint32Array;
      if (expected.length !== actual.length || expected.some((id, k) => id !== actual[k])) {
        mismatches.push({ seed: 1000 + i, text: JSON.stringify(text).slice(0, 200) });
      }
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("counts agree with the ids' lengths (count path = encode path)", async () => {
    const texts = Array.from({ length: 300 }, (_, i) => randomText(50_000 + i));
    const [counts, ids] = await Promise.all([tokenizer.count(texts), tokenizer.encode(texts)]);
    expect(counts).toEqual(ids.map((list) => list.length));
  });

  it("matches on hand-picked regex corner cases", async () => {
    const corner = [
      "'ſa 'ſ 'Sa 'sa 'STa x'LLy don'T we'Ve I'M 'D 'dd 'K 'ſt", // case-folded contractions
      "a\u0085b \u0085\u0085c \ufeffd \ufeff\ufeff e\u180ef \u200bg", // \s: White_Space, not JS \s
      "ǅemal ǈu ABCdef AbCd ʰʲʷ a\u0301B\u0308c \u0301\u0301x A\u0301\u0301 1\u0301", // o200k case classes, marks
      "a/b//c\n//d /\n/ \r\n/x '\n'", // o200k [\r\n/]* tails
      "   \n\n  x\t\t\ty \u3000\u3000z  ", // whitespace backtracking
      "123456 ١٢٣٤٥ ²³¹ Ⅻⅻ ½¾ 1a2b", // \p{N}{1,3}
    ];
    const ids = await tokenizer.encode(corner);
    corner.forEach((text, i) => expect(Array.from(ids[i] as Uint32Array), JSON.stringify(text)).toEqual(Array.from(reference.encode_ordinary(text))));
  });

  it("handles the edges of the batch: empty texts, empty batch, lone surrogates only", async () => {
    expect(await tokenizer.count([])).toEqual([]);
    const edge = ["", "\ud800", "\udfff\ud800", " ", "\n\n", "a"];
    const counts = await tokenizer.count(edge);
    expect(counts).toEqual(edge.map((text) => reference.encode_ordinary(text).length));
  });

  it("stays exact on pieces long enough for the heap merge", async () => {
    const texts = ["a".repeat(5000), "ab".repeat(3000), "x".repeat(97), "Supercalifragilistic".repeat(40), "0".repeat(1000), "日本".repeat(700)];
    const ids = await tokenizer.encode(texts);
    texts.forEach((text, i) => expect(Array.from(ids[i] as Uint32Array)).toEqual(Array.from(reference.encode_ordinary(text))));
  });
});
