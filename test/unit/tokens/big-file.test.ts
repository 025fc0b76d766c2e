// The whole 5 MB tokens_big.txt, as one string (the way the reference totals were taken), must
// give exactly the reference totals in tokens_big.json, through Extism and raw.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTokenizer } from "../../../src/policy/tokens/tokenizer.js";
import { ENCODINGS } from "../../../src/policy/tokens/encodings.js";
import { FIXTURES } from "./helpers.js";

interface BigFileFacts {
  bytes: number;
  sha256: string;
  cl100k_base: number;
  o200k_base: number;
}

const bytes = readFileSync(join(FIXTURES, "tokens_big.txt"));
const facts = JSON.parse(readFileSync(join(FIXTURES, "tokens_big.json"), "utf8")) as BigFileFacts;
const text = bytes.toString("utf8");

describe("tokens_big.txt totals", () => {
  it("is the file the totals were taken on", () => {
    expect(bytes.byteLength).toBe(facts.bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(facts.sha256);
  });

  describe.each(ENCODINGS)("%s", (encoding) => {
    it.each(["extism-hostio", "raw"] as const)("gives the reference total through %s", async (engine) => {
      const tokenizer = await createTokenizer({ encoding, engine });
      try {
        expect(await tokenizer.count([text])).toEqual([facts[encoding]]);
      } finally {
        await tokenizer.close();
      }
    });

    it("gives the same total through plain Extism, line by line in batches", async () => {
      const tokenizer = await createTokenizer({ encoding, engine: "extism" });
      try {
        // Splitting at newlines changes the pieces, so compare with the whole-file count
        // from the raw engine rather than with the reference total.
        const lines = text.split(/(?<=\n)/);
        const raw = await createTokenizer({ encoding, engine: "raw" });
        const expected = await raw.count(lines);
        await raw.close();
        const counts: number[] = [];
        for (let i = 0; i < lines.length; i += 5000) counts.push(...(await tokenizer.count(lines.slice(i, i + 5000))));
        expect(counts).toEqual(expected);
        expect(counts.length).toBeGreaterThan(100_000);
      } finally {
        await tokenizer.close();
      }
    });
  });
});
