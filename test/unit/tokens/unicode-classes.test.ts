// The generated code-point classes must split text exactly where the reference's regex classes
// do. Every boundary between two runs of code points with different classes (both sides of it),
// plus a seeded sample of all code points, is tokenised in contexts that expose the class
// (after a letter, before an upper-case letter, after spaces, tabs, newlines, digits, an
// apostrophe) and compared id for id with the reference bindings.
// A one-off run over all 1,114,112 code points in the same contexts (about 4 minutes with the
// reference) found no difference with Node 20.20's Unicode 17.0 tables.
import { get_encoding } from "tiktoken";
import { describe, expect, it } from "vitest";
import { classify } from "../../../policy-wasm/tokens/gen-unicode.mjs";
import { createTokenizer } from "../../../src/policy/tokens/tokenizer.js";
import { ENCODINGS } from "../../../src/policy/tokens/encodings.js";
import { seededRandom } from "../../support/seeded-random.js";

function probeCodePoints(): number[] {
  const picked = new Set<number>();
  let previous = classify(0);
  for (let cp = 1; cp < 0x110000; cp++) {
    const cls = classify(cp);
    if (cls !== previous) {
      picked.add(cp - 1);
      picked.add(cp);
      previous = cls;
    }
  }
  const random = seededRandom(2024);
  for (let i = 0; i < 3000; i++) picked.add(Math.floor(random() * 0x110000));
  return [...picked].filter((cp) => cp < 0xd800 || cp > 0xdfff).sort((a, b) => a - b);
}

function contexts(c: string): string {
  return `a${c}A${c}a ${c}  ${c}\t${c}1${c}'${c}\n${c}ǅ${c}x${c}${c}Ab${c}!${c} `;
}

const CHUNK = 256;

describe.each(ENCODINGS)("code-point classes vs the reference, %s", (encoding) => {
  it("tokenises every class boundary and a seeded sample exactly", async () => {
    const reference = get_encoding(encoding);
    const tokenizer = await createTokenizer({ encoding, engine: "raw" });
    try {
      const points = probeCodePoints();
      expect(points.length).toBeGreaterThan(5000);
      const chunks: number[][] = [];
      for (let i = 0; i < points.length; i += CHUNK) chunks.push(points.slice(i, i + CHUNK));
      const texts = chunks.map((chunk) => chunk.map((cp) => contexts(String.fromCodePoint(cp))).join(""));
      const ids = await tokenizer.encode(texts);
      const differingChunks = texts.flatMap((text, k) => {
        const expected = reference.encode_ordinary(text);
        const actual = ids[k] as Uint32Array;
        return expected.length !== actual.length || expected.some((id, i) => id !== actual[i]) ? [k] : [];
      });
      // Narrow each differing chunk down to the code points that differ, for the message.
      const differing: string[] = [];
      for (const k of differingChunks) {
        for (const cp of chunks[k] as number[]) {
          const one = contexts(String.fromCodePoint(cp));
          const [mine] = await tokenizer.encode([one]);
          if (Array.from(mine as Uint32Array).join() !== Array.from(reference.encode_ordinary(one)).join()) {
            differing.push(`U+${cp.toString(16).toUpperCase()}`);
          }
        }
      }
      expect(differing).toEqual([]);
    } finally {
      reference.free();
      await tokenizer.close();
    }
  }, 120_000);
});
