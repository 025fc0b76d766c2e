// Parity with the reference (tiktoken's official bindings) on every row of the shared corpus,
// both encodings, through every engine: exact counts and the first (up to 64) ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenizer, ENGINE_KINDS, type Tokenizer } from "../../../src/policy/tokens/tokenizer.js";
import { ENCODINGS } from "../../../src/policy/tokens/encodings.js";
import { expectedCount, expectedFirstIds, loadCorpus } from "./helpers.js";

const rows = loadCorpus();

describe.each(ENGINE_KINDS)("corpus parity through %s", (engine) => {
  describe.each(ENCODINGS)("%s", (encoding) => {
    let tokenizer: Tokenizer;
    beforeAll(async () => {
      tokenizer = await createTokenizer({ encoding, engine });
    });
    afterAll(async () => {
      await tokenizer.close();
    });

    it("has all 180 rows, including the ones pure-JS ports get wrong", () => {
      expect(rows.length).toBe(180);
      expect(rows.filter((row) => row.other_implementations_disagree).length).toBeGreaterThan(0);
    });

    it("counts every row exactly, in one batch", async () => {
      const counts = await tokenizer.count(rows.map((row) => row.text));
      const mismatches = rows
        .map((row, i) => ({ id: row.id, expected: expectedCount(row, encoding), actual: counts[i] }))
        .filter((m) => m.expected !== m.actual);
      expect(mismatches).toEqual([]);
    });

    it("gives the reference's first ids for every row", async () => {
      const ids = await tokenizer.encode(rows.map((row) => row.text));
      const mismatches = rows
        .map((row, i) => {
          const expected = expectedFirstIds(row, encoding);
          const actual = Array.from((ids[i] as Uint32Array).subarray(0, expected.length));
          return { id: row.id, expected, actual, length: ids[i]?.length, count: expectedCount(row, encoding) };
        })
        .filter((m) => JSON.stringify(m.expected) !== JSON.stringify(m.actual) || m.length !== m.count);
      expect(mismatches).toEqual([]);
    });

    it("gives the same counts one text per call", async () => {
      for (const row of rows.slice(0, 40)) {
        expect(await tokenizer.count([row.text]), row.id).toEqual([expectedCount(row, encoding)]);
      }
    });
  });
});
