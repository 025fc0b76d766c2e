import { describe, expect, it } from "vitest";
import { costUsd, estimateCostUsd, findPrice, priceRequest, usageTokens, type PricingTable } from "../../../src/limits/pricing.js";

const table: PricingTable = {
  "gpt-4o-mini": { input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075 },
  "claude-sonnet-4*": { input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75 },
  "claude-*": { input_per_mtok: 1, output_per_mtok: 5 },
};

describe("pricing", () => {
  it("prices fresh input and output per million tokens", () => {
    expect(costUsd(table["gpt-4o-mini"]!, { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(0.75, 12);
    expect(costUsd(table["gpt-4o-mini"]!, { inputTokens: 1000, outputTokens: 200 })).toBeCloseTo(0.00015 + 0.00012, 12);
  });

  it("counts cached tokens inside input tokens (OpenAI rule) at the cached price", () => {
    // 1000 input of which 400 cached: 600 * 0.15 + 400 * 0.075 per 1M
    expect(costUsd(table["gpt-4o-mini"]!, { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 })).toBeCloseTo((600 * 0.15 + 400 * 0.075) / 1e6, 15);
  });

  it("prices cache writes, falling back to the input price when a price is missing", () => {
    const p = table["claude-sonnet-4*"]!;
    // 10k input = 2k fresh + 5k cache reads + 3k cache writes
    expect(costUsd(p, { inputTokens: 10_000, cachedInputTokens: 5_000, cacheWriteTokens: 3_000, outputTokens: 100 })).toBeCloseTo(
      (2_000 * 3 + 5_000 * 0.3 + 3_000 * 3.75 + 100 * 15) / 1e6,
      15,
    );
    expect(costUsd(table["claude-*"]!, { inputTokens: 100, cachedInputTokens: 100, outputTokens: 0 })).toBeCloseTo(100 / 1e6, 15);
  });

  it("clamps inconsistent counts instead of billing negative tokens", () => {
    expect(costUsd(table["gpt-4o-mini"]!, { inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 })).toBeCloseTo((100 * 0.075) / 1e6, 15);
  });

  it("finds exact names first, then the longest prefix pattern", () => {
    expect(findPrice(table, "gpt-4o-mini")).toBe(table["gpt-4o-mini"]);
    expect(findPrice(table, "claude-sonnet-4-5-20250929")).toBe(table["claude-sonnet-4*"]);
    expect(findPrice(table, "claude-haiku-4-5")).toBe(table["claude-*"]);
    expect(findPrice(table, "gpt-4o")).toBeUndefined();
    expect(priceRequest(table, "unknown", { inputTokens: 10, outputTokens: 10 })).toBe(0);
  });

  it("estimates an upper bound and counts tpm tokens as input + output", () => {
    expect(estimateCostUsd(table, "gpt-4o-mini", 1000, 500)).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 15);
    expect(usageTokens({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 50 })).toBe(1050);
  });
});
