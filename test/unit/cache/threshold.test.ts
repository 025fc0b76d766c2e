import { describe, expect, it } from "vitest";
import { DEFAULT_CACHE_OPTIONS } from "../../../src/cache/config.js";
import { dot } from "../../../src/cache/embedder.js";
import { LexicalEmbedder } from "../../../src/cache/lexical-embedder.js";
import { nearMisses, paraphrases, reworded, unrelated } from "../../fixtures/cache/prompts.js";

// The default threshold is chosen from these measurements (see src/cache/README.md).
const embedder = new LexicalEmbedder(384);
// Embedded as the cache embeds a one-message conversation.
const sim = (a: string, b: string): number => dot(embedder.embedSync(`user: ${a}`), embedder.embedSync(`user: ${b}`));
const threshold = DEFAULT_CACHE_OPTIONS.semantic.threshold;

describe("default semantic threshold with the built-in lexical embedder", () => {
  const para = paraphrases.map(([a, b]) => sim(a, b));
  const unrel = unrelated.map(([a, b]) => sim(a, b));
  const near = nearMisses.map(([a, b]) => sim(a, b));
  const rew = reworded.map(([a, b]) => sim(a, b));
  const fmt = (xs: number[]): string => [...xs].sort((x, y) => x - y).map((x) => x.toFixed(3)).join(" ");
  console.log(`threshold ${threshold}\n paraphrases: ${fmt(para)}\n unrelated:   ${fmt(unrel)}\n near misses: ${fmt(near)}\n reworded:    ${fmt(rew)} (${rew.filter((x) => x >= threshold).length}/${rew.length} hit)`);

  it("is met by every paraphrase fixture", () => {
    expect(Math.min(...para)).toBeGreaterThanOrEqual(threshold);
  });

  it("is not met by any unrelated fixture, with a margin", () => {
    expect(Math.max(...unrel)).toBeLessThan(threshold - 0.1);
  });

  it("is not met by the lexically close questions that have other answers", () => {
    expect(Math.max(...near)).toBeLessThan(threshold);
  });

  it("identical text is similarity 1 and the embedding is unit length", () => {
    const v = embedder.embedSync("hello world");
    expect(dot(v, v)).toBeCloseTo(1, 5);
    expect(sim("same words here", "same words here")).toBeCloseTo(1, 5);
  });
});
